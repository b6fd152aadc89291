import type { DomainEvent } from '../shared/event';
import type { CanonicalStatus, OpenStatus } from './statuses';

/** What CI told us about one deployment; optional fields are absent, never null. */
export type DeploymentFacts = {
  deployment_id: string;
  product: string;
  environment: string;
  version: string;
  occurred_at: string;
  deployed_by?: string;
  scm_sha?: string;
  scm_branch?: string;
  build_url?: string;
  extra_metadata?: Record<string, unknown>;
};

/** The event that opens a deployment says whether it rolls the lane back to an older version. */
export type OpeningFacts = DeploymentFacts & {
  is_rollback?: true;
  /** The version (and deployment) that was current when the rollback started. */
  rollback_of?: string;
  rollback_of_deployment_id?: string;
};

export type AbortedFacts = DeploymentFacts & { reason?: 'superseded' | (string & {}) };

/** A pending/started report that arrived after the deployment had already finished (by occurred_at). */
export type LateReportFacts = DeploymentFacts & { status: OpenStatus };

export type DeploymentPending = DomainEvent<'deployment.pending', OpeningFacts>;
export type DeploymentStarted = DomainEvent<'deployment.started', OpeningFacts>;
export type DeploymentCompleted = DomainEvent<'deployment.completed', DeploymentFacts>;
export type DeploymentFailed = DomainEvent<'deployment.failed', DeploymentFacts>;
export type DeploymentAborted = DomainEvent<'deployment.aborted', AbortedFacts>;
export type DeploymentReportedLate = DomainEvent<'deployment.reported_late', LateReportFacts>;

export type LaneEvent =
  | DeploymentPending
  | DeploymentStarted
  | DeploymentCompleted
  | DeploymentFailed
  | DeploymentAborted
  | DeploymentReportedLate;

export type LaneEventType = LaneEvent['type'];

export const LANE_EVENT_TYPES: readonly LaneEventType[] = [
  'deployment.pending',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.aborted',
  'deployment.reported_late',
];

export const lifecycleEventType = (status: CanonicalStatus): LaneEventType => `deployment.${status}`;

/** One stream per product × environment: the consistency boundary for "one deployment in flight per lane". */
export const laneStream = (product: string, environment: string): string => `lane-${product}@${environment}`;

export const parseLaneStream = (stream: string): { product: string; environment: string } | null => {
  const match = /^lane-(.+)@([^@]+)$/.exec(stream);
  return match?.[1] && match[2] ? { product: match[1], environment: match[2] } : null;
};
