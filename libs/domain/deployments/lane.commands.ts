import type { CanonicalStatus } from './statuses';

/** A CI system reporting a lifecycle status (POST /deployment-events/), already parsed to canonical form. */
export type ReportDeploymentStatus = {
  type: 'ReportDeploymentStatus';
  data: {
    product: string;
    environment: string;
    version: string;
    status: CanonicalStatus;
    /** Targets one deployment Shiplog issued; without it the report goes to the open deployment of `version`. */
    deployment_id?: string;
    occurred_at?: string;
    deployed_by?: string;
    scm_sha?: string;
    scm_branch?: string;
    build_url?: string;
    extra_metadata?: Record<string, unknown>;
  };
};

import type { DeploymentKind } from './lane.events';

type LaneTarget = { product: string; environment: string };

/** An operator (or a saga) asks for a version to be deployed. The handler supplies what it looked up. */
export type RequestDeployment = {
  type: 'RequestDeployment';
  data: LaneTarget & {
    version: string;
    kind: DeploymentKind;
    reason?: string;
    /** Deploy a version with no completed build or earlier deployment (needs a reason). */
    force?: boolean;
    scheduled_at?: string;
    config?: Record<string, unknown>;
    promoted_from?: string;
    /** The release that asked for this deployment, if any. */
    release_id?: string;
    requested_by: string;
    /** From the environment's settings. */
    approvals_required: number;
    /** Whether a completed build or an earlier deployment of the version exists. */
    version_known: boolean;
    /** Violations the policy check reported but did not block on (report_only, or overridden by an admin). */
    policy_violations?: { rule: string; detail: string; opens_at: string | null }[];
    policy_override_reason?: string;
  };
};

/** Roll the lane back: to `version` (which must have completed there), else to the previous successful version. */
export type RollbackLane = {
  type: 'RollbackLane';
  data: LaneTarget & { version?: string; reason?: string; requested_by: string; approvals_required: number };
};

type OnDeployment = LaneTarget & { deployment_id: string };
export type ApproveDeployment = { type: 'ApproveDeployment'; data: OnDeployment & { approver: string; comment?: string } };
export type RejectDeployment = { type: 'RejectDeployment'; data: OnDeployment & { approver: string; comment?: string } };
export type CancelDeployment = { type: 'CancelDeployment'; data: OnDeployment & { reason?: string } };
/** A scheduled deployment's time has come (fired by its durable timer). */
export type DispatchDeployment = { type: 'DispatchDeployment'; data: OnDeployment };
export type UnpinLane = { type: 'UnpinLane'; data: LaneTarget };

export type LaneCommand =
  | ReportDeploymentStatus
  | RequestDeployment
  | RollbackLane
  | ApproveDeployment
  | RejectDeployment
  | CancelDeployment
  | DispatchDeployment
  | UnpinLane;
