import type { DeploymentKind } from '../deployments/lane.events';
import type { EnvironmentSettings } from './settings';

export type PolicyInput = { kind: DeploymentKind; environment: string; version?: string; now: Date };
export type PolicyDecision = { approvalsRequired: number };

/**
 * The one policy check every deployment request goes through. Today it derives the approvals an environment
 * requires; freeze windows, locks and maintenance windows join it here (one function, one place to look).
 */
export const evaluatePolicies = (settings: EnvironmentSettings, _request: PolicyInput): PolicyDecision => ({
  approvalsRequired: settings.approval_required,
});
