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
  /** CI reported this version while the lane was pinned by a rollback: recorded, but flagged. */
  while_pinned?: true;
};

export type DeploymentKind = 'deploy' | 'rollback' | 'promotion';

/** An operator's (or a saga's) request: the deployment opens as pending until it is dispatched to the executor. */
export type RequestFacts = OpeningFacts & {
  kind: DeploymentKind;
  reason?: string;
  release_id?: string;
  /** Actor id of the requester: approvers must be other people. */
  requested_by: string;
  approvals_required: number;
  scheduled_at?: string;
  force?: true;
  promoted_from?: string;
  config?: Record<string, unknown>;
  /** Report-only policy violations, or the freezes an admin overrode (with `policy_override_reason`). */
  policy_violations?: { rule: string; detail: string; opens_at: string | null }[];
  policy_override_reason?: string;
};

/** The facts every lane event carries, so projections and timelines can place it. */
export type LaneFacts = { deployment_id: string; product: string; environment: string; version: string; occurred_at: string };

export type AbortedFacts = DeploymentFacts & { reason?: 'superseded' | (string & {}) };

/** A pending/started report that arrived after the deployment had already finished (by occurred_at). */
export type LateReportFacts = DeploymentFacts & { status: OpenStatus };

export type DeploymentPending = DomainEvent<'deployment.pending', OpeningFacts>;
export type DeploymentStarted = DomainEvent<'deployment.started', OpeningFacts>;
export type DeploymentCompleted = DomainEvent<'deployment.completed', DeploymentFacts>;
export type DeploymentFailed = DomainEvent<'deployment.failed', DeploymentFacts>;
export type DeploymentAborted = DomainEvent<'deployment.aborted', AbortedFacts>;
export type DeploymentReportedLate = DomainEvent<'deployment.reported_late', LateReportFacts>;
export type DeploymentRequested = DomainEvent<'deployment.requested', RequestFacts>;
export type ApprovalRequested = DomainEvent<'deployment.approval_requested', LaneFacts & { approvals_required: number }>;
export type DeploymentApproved = DomainEvent<'deployment.approved', LaneFacts & { approver: string; comment?: string; approvals: number }>;
export type DeploymentRejected = DomainEvent<'deployment.rejected', LaneFacts & { approver: string; comment?: string }>;
/** Handed to the environment's executor (a webhook, or a command Shiplog runs). */
export type DeploymentDispatched = DomainEvent<'deployment.dispatched', LaneFacts & { kind: DeploymentKind; is_rollback?: true }>;
export type CancelRequested = DomainEvent<'deployment.cancel_requested', LaneFacts & { reason?: string }>;
/** After a rollback the lane holds its version until an operator unpins it. */
export type LanePinned = DomainEvent<'lane.pinned', LaneFacts>;
export type LaneUnpinned = DomainEvent<'lane.unpinned', LaneFacts>;

export type LaneEvent =
  | DeploymentPending
  | DeploymentStarted
  | DeploymentCompleted
  | DeploymentFailed
  | DeploymentAborted
  | DeploymentReportedLate
  | DeploymentRequested
  | ApprovalRequested
  | DeploymentApproved
  | DeploymentRejected
  | DeploymentDispatched
  | CancelRequested
  | LanePinned
  | LaneUnpinned;

export type LaneEventType = LaneEvent['type'];

export const LANE_EVENT_TYPES: readonly LaneEventType[] = [
  'deployment.pending',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.aborted',
  'deployment.reported_late',
  'deployment.requested',
  'deployment.approval_requested',
  'deployment.approved',
  'deployment.rejected',
  'deployment.dispatched',
  'deployment.cancel_requested',
  'lane.pinned',
  'lane.unpinned',
];

export const lifecycleEventType = (status: CanonicalStatus): LaneEventType => `deployment.${status}`;

/** One stream per product × environment: the consistency boundary for "one deployment in flight per lane". */
export const laneStream = (product: string, environment: string): string => `lane-${product}@${environment}`;

export const parseLaneStream = (stream: string): { product: string; environment: string } | null => {
  const match = /^lane-(.+)@([^@]+)$/.exec(stream);
  return match?.[1] && match[2] ? { product: match[1], environment: match[2] } : null;
};
