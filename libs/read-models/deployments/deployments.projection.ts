import type { AbortedFacts, DeploymentFacts, LaneEvent } from '../../domain/deployments/lane.events';
import { LANE_EVENT_TYPES } from '../../domain/deployments/lane.events';
import type { CanonicalStatus } from '../../domain/deployments/statuses';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';

export type StatusChange = { status: CanonicalStatus; at: string; event_id: string; reason?: string };

/** One row per deployment attempt, with its whole status history. */
export type DeploymentView = {
  id: string;
  product: string;
  environment: string;
  version: string;
  status: CanonicalStatus;
  deployed_by: string | null;
  scm_sha: string | null;
  scm_branch: string | null;
  build_url: string | null;
  extra_metadata: Record<string, unknown>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
  abort_reason: string | null;
  status_history: StatusChange[];
  last_position: number;
};

export const DEPLOYMENTS = 'deployments';

type LaneRecorded = RecordedEvent<LaneEvent['type'], LaneEvent['data']>;

const statusOf = (type: LaneEvent['type']): CanonicalStatus => type.slice('deployment.'.length) as CanonicalStatus;

const seconds = (from: string | null, to: string): number | null => (from === null ? null : Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000));

/** Later reports may add what earlier ones lacked (a sha, a build url); they never erase it. */
const merged = (view: DeploymentView, facts: DeploymentFacts): DeploymentView => ({
  ...view,
  deployed_by: facts.deployed_by ?? view.deployed_by,
  scm_sha: facts.scm_sha ?? view.scm_sha,
  scm_branch: facts.scm_branch ?? view.scm_branch,
  build_url: facts.build_url ?? view.build_url,
  extra_metadata: { ...view.extra_metadata, ...facts.extra_metadata },
});

const opened = (facts: DeploymentFacts): DeploymentView => ({
  id: facts.deployment_id,
  product: facts.product,
  environment: facts.environment,
  version: facts.version,
  status: 'pending',
  deployed_by: null,
  scm_sha: null,
  scm_branch: null,
  build_url: null,
  extra_metadata: {},
  created_at: facts.occurred_at,
  started_at: null,
  finished_at: null,
  duration_seconds: null,
  abort_reason: null,
  status_history: [],
  last_position: 0,
});

const transition = (view: DeploymentView, event: LaneRecorded): DeploymentView => {
  const status = statusOf(event.type);
  const at = event.data.occurred_at;
  const reason = event.type === 'deployment.aborted' ? ((event.data as AbortedFacts).reason ?? null) : null;
  const next: DeploymentView = {
    ...merged(view, event.data),
    status,
    last_position: event.position,
    status_history: [...view.status_history, { status, at, event_id: event.id, ...(reason ? { reason } : {}) }],
  };
  switch (status) {
    case 'pending':
      return next;
    case 'started':
      return { ...next, started_at: at };
    case 'completed':
    case 'failed':
    case 'aborted':
      return { ...next, finished_at: at, duration_seconds: seconds(view.started_at, at), abort_reason: reason };
  }
};

export const deploymentsProjection = defineProjection<LaneRecorded>({
  name: 'deployments',
  version: 1,
  collections: [
    {
      name: DEPLOYMENTS,
      indexes: [
        ['created_at', 'id'],
        ['product', 'created_at', 'id'],
        ['environment', 'created_at', 'id'],
        ['status', 'created_at', 'id'],
      ],
    },
  ],
  handles: LANE_EVENT_TYPES,
  async apply(tx, event) {
    // Replays are harmless: an event at or below the row's last position was already applied.
    const current = await tx.get<DeploymentView>(DEPLOYMENTS, event.data.deployment_id);
    if (current && current.last_position >= event.position) return;
    tx.put(DEPLOYMENTS, transition(current ?? opened(event.data), event));
  },
});
