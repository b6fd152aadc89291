import type { LaneView } from './deployments.projection';
import type { DeploymentItem } from './deployments.queries';

/** PRD-018 (seed 003) deployment statuses. */
export type PrdStatus = 'pending' | 'building' | 'deploying' | 'success' | 'failed' | 'cancelled' | 'rolled_back';
/** Deployment API spec (seed 004) statuses. */
export type SpecStatus = 'pending' | 'running' | 'rolling_back' | 'deployed' | 'failed' | 'aborted';

/** DESIGN §4: one fact, each seed's word for it. */
export const prdStatusOf = (d: DeploymentItem): PrdStatus => {
  switch (d.status) {
    case 'pending':
      return 'pending';
    case 'started':
      return d.build && (d.build.status === 'pending' || d.build.status === 'started') ? 'building' : 'deploying';
    case 'completed':
      return d.rolled_back_by ? 'rolled_back' : 'success';
    case 'failed':
      return 'failed';
    case 'aborted':
      return 'cancelled';
  }
};

export const specStatusOf = (d: DeploymentItem): SpecStatus => {
  switch (d.status) {
    case 'pending':
      return 'pending';
    case 'started':
      return d.is_rollback ? 'rolling_back' : 'running';
    case 'completed':
      return 'deployed';
    case 'failed':
      return 'failed';
    case 'aborted':
      return 'aborted';
  }
};

/** Seed 003's `Deployment` model. */
export const toPrdDeployment = (d: DeploymentItem) => ({
  id: d.id,
  projectId: d.product,
  environment: d.environment,
  status: prdStatusOf(d),
  version: d.version,
  gitCommit: d.scm_sha ?? d.build?.scm_sha ?? undefined,
  gitBranch: d.scm_branch ?? undefined,
  artifactUrl: d.build_url ?? d.build?.build_url ?? undefined,
  deploymentUrl: typeof d.extra_metadata['deployment_url'] === 'string' ? d.extra_metadata['deployment_url'] : undefined,
  config: { environmentVariables: {} },
  startedAt: d.started_at ?? d.created_at,
  completedAt: d.finished_at ?? undefined,
  initiatedBy: d.deployed_by ?? 'unknown',
  logs: [],
});

/** Seed 004's `DeploymentStatus`, for one deployment and the lane it belongs to. Health checks are not configured yet. */
export const toSpecStatus = (d: DeploymentItem, lane: LaneView | null) => ({
  deployment_id: d.id,
  target: d.environment,
  version: d.version,
  current_version: lane?.current?.version ?? null,
  status: specStatusOf(d),
  health: 'unknown' as const,
  instances: null,
});
