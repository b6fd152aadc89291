import type { DomainEvent } from '../shared/event';
import type { CanonicalStatus } from './statuses';

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

export type AbortedFacts = DeploymentFacts & { reason?: 'superseded' | (string & {}) };

export type DeploymentPending = DomainEvent<'deployment.pending', DeploymentFacts>;
export type DeploymentStarted = DomainEvent<'deployment.started', DeploymentFacts>;
export type DeploymentCompleted = DomainEvent<'deployment.completed', DeploymentFacts>;
export type DeploymentFailed = DomainEvent<'deployment.failed', DeploymentFacts>;
export type DeploymentAborted = DomainEvent<'deployment.aborted', AbortedFacts>;

export type LaneEvent =
  | DeploymentPending
  | DeploymentStarted
  | DeploymentCompleted
  | DeploymentFailed
  | DeploymentAborted;

export type LaneEventType = LaneEvent['type'];

export const LANE_EVENT_TYPES: readonly LaneEventType[] = [
  'deployment.pending',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.aborted',
];

export const laneEventType = (status: CanonicalStatus): LaneEventType => `deployment.${status}`;

/** One stream per product × environment: the consistency boundary for "one deployment in flight per lane". */
export const laneStream = (product: string, environment: string): string => `lane-${product}@${environment}`;

export const parseLaneStream = (stream: string): { product: string; environment: string } | null => {
  const match = /^lane-(.+)@([^@]+)$/.exec(stream);
  return match?.[1] && match[2] ? { product: match[1], environment: match[2] } : null;
};
