import { assertNever } from '../../domain/shared/assert-never';
import type { DeploymentFacts, DeploymentKind, LaneEvent, OpeningFacts, RequestFacts } from '../../domain/deployments/lane.events';
import { LANE_EVENT_TYPES } from '../../domain/deployments/lane.events';
import type { CanonicalStatus } from '../../domain/deployments/statuses';
import type { Recorded } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';
import type { ReadTx } from '../read-store.port';
import { openedLifecycle, transitioned, withLateReport, type LifecycleView } from '../shared/lifecycle-view';

/** One row per deployment attempt, with its whole status history. */
export type DeploymentView = LifecycleView & {
  environment: string;
  deployed_by: string | null;
  abort_reason: string | null;
  is_rollback: boolean;
  rollback_of: string | null;
  rollback_of_deployment_id: string | null;
  /** Set on a completed deployment once a completed rollback replaced it. */
  rolled_back_by: string | null;
  /** `reported` by CI, or requested by an operator or a saga as a deploy, rollback or promotion. */
  kind: 'reported' | DeploymentKind;
  reason: string | null;
  requested_by: string | null;
  promoted_from: string | null;
  /** Where a requested deployment stands before an executor starts it. */
  phase: 'awaiting_approval' | 'scheduled' | 'dispatched' | 'cancel_requested' | null;
  approvals_required: number;
  approvals: { approver: string; at: string; comment?: string }[];
  rejected_by: string | null;
  scheduled_at: string | null;
  /** CI reported this version while the lane was pinned by a rollback. */
  while_pinned: boolean;
};

type LaneDeployment = { deployment_id: string; version: string; at: string; deployed_by: string | null };

/** Per product × environment: what runs, what ran before, what is in flight. */
export type LaneView = {
  id: string;
  product: string;
  environment: string;
  /** The most recent deployment whatever its outcome. */
  latest: (LaneDeployment & { status: CanonicalStatus }) | null;
  /** The last completed deployment: the version running in the environment. */
  current: LaneDeployment | null;
  /** The last completed deployment of another version than `current`: the default rollback target. */
  previous_successful: LaneDeployment | null;
  in_flight: (LaneDeployment & { status: CanonicalStatus }) | null;
  /** After a rollback: the version the lane is held at until unpinned. */
  pinned: { deployment_id: string; version: string; since: string } | null;
  last_position: number;
};

export const DEPLOYMENTS = 'deployments';
export const LANES = 'lanes';
/**
 * Every state a lane went through, append-only: what time travel reads. Keyed `<lane>#<event time>#<position>`, so
 * the primary key alone finds a lane's state at an instant (no secondary index to build or maintain).
 */
export const LANE_HISTORY = 'lane_history';

export type LaneHistoryEntry = LaneView & { lane: string; at: string; position: number };

/**
 * Where a lane's history entries start in key order. `#` sorts below every character a name may hold, so no other
 * lane's keys fall between this and `laneHistoryUpTo`; event times are ISO-8601 UTC (one width), so key order is time order.
 */
export const laneHistoryPrefix = (lane: string) => `${lane}#`;
/** Above every key of the lane's entries at or before `at`. */
export const laneHistoryUpTo = (lane: string, at: string) => `${laneHistoryPrefix(lane)}${at}#~`;

export const laneId = (product: string, environment: string) => `${product}@${environment}`;

type LaneRecorded = Recorded<LaneEvent>;

const opened = (event: LaneRecorded): DeploymentView => {
  const { data } = event;
  const opening: Partial<OpeningFacts> = event.type === 'deployment.pending' || event.type === 'deployment.started' || event.type === 'deployment.requested' ? event.data : {};
  const request: Partial<RequestFacts> = event.type === 'deployment.requested' ? event.data : {};
  return openedLifecycle(data.deployment_id, data.product, data.version, data.occurred_at, {
    environment: data.environment,
    deployed_by: null,
    abort_reason: null,
    is_rollback: opening.is_rollback === true,
    rollback_of: opening.rollback_of ?? null,
    rollback_of_deployment_id: opening.rollback_of_deployment_id ?? null,
    rolled_back_by: null,
    kind: request.kind ?? 'reported',
    reason: request.reason ?? null,
    requested_by: event.type === 'deployment.requested' ? event.metadata.actor.name : null,
    promoted_from: request.promoted_from ?? null,
    phase: null,
    approvals_required: request.approvals_required ?? 0,
    approvals: [],
    rejected_by: null,
    scheduled_at: request.scheduled_at ?? null,
    while_pinned: opening.while_pinned === true,
  });
};

const statusChange = (view: DeploymentView, event: LaneRecorded, status: CanonicalStatus, facts: DeploymentFacts, reason?: string): DeploymentView => ({
  ...transitioned(view, { at: event.data.occurred_at, eventId: event.id, position: event.position, status, facts, ...(reason ? { reason } : {}) }),
  deployed_by: facts.deployed_by ?? view.deployed_by,
});

const applyToDeployment = (view: DeploymentView, event: LaneRecorded): DeploymentView => {
  const noted = { ...view, last_position: event.position };
  switch (event.type) {
    case 'deployment.reported_late':
      return withLateReport(view, { at: event.data.occurred_at, eventId: event.id, position: event.position, status: event.data.status });
    case 'deployment.requested': {
      const next = statusChange(view, event, 'pending', event.data);
      const phase = event.data.approvals_required > 0 ? 'awaiting_approval' : event.data.scheduled_at && event.data.scheduled_at > event.data.occurred_at ? 'scheduled' : null;
      return { ...next, phase };
    }
    case 'deployment.aborted': {
      const reason = event.data.reason;
      return { ...statusChange(view, event, 'aborted', event.data, reason), abort_reason: reason ?? null, phase: null };
    }
    case 'deployment.pending':
      return statusChange(view, event, 'pending', event.data);
    case 'deployment.started':
    case 'deployment.completed':
    case 'deployment.failed':
      return { ...statusChange(view, event, event.type.slice('deployment.'.length) as CanonicalStatus, event.data), phase: null };
    case 'deployment.approval_requested':
      return { ...noted, phase: 'awaiting_approval', approvals_required: event.data.approvals_required };
    case 'deployment.approved': {
      const { approver, comment, occurred_at } = event.data;
      const approvals = [...view.approvals, { approver, at: occurred_at, ...(comment ? { comment } : {}) }];
      return { ...noted, approvals, phase: approvals.length >= view.approvals_required && view.scheduled_at && view.scheduled_at > occurred_at ? 'scheduled' : view.phase };
    }
    case 'deployment.rejected':
      return { ...noted, rejected_by: event.data.approver };
    case 'deployment.dispatched':
      return { ...noted, phase: 'dispatched' };
    case 'deployment.cancel_requested':
      return { ...noted, phase: 'cancel_requested' };
    case 'lane.pinned':
    case 'lane.unpinned':
      return view;
    default:
      return assertNever(event);
  }
};

const summary = (view: DeploymentView, at: string): LaneDeployment => ({ deployment_id: view.id, version: view.version, at, deployed_by: view.deployed_by });

/** Lane-level events and those that change no deployment's status leave `latest` and `in_flight` as they are. */
const LANE_NEUTRAL: ReadonlySet<LaneRecorded['type']> = new Set([
  'deployment.reported_late',
  'deployment.approval_requested',
  'deployment.approved',
  'deployment.rejected',
  'deployment.dispatched',
  'deployment.cancel_requested',
]);

const applyToLane = (lane: LaneView, view: DeploymentView, event: LaneRecorded): LaneView => {
  if (event.type === 'lane.pinned') return { ...lane, pinned: { deployment_id: view.id, version: view.version, since: event.data.occurred_at }, last_position: event.position };
  if (event.type === 'lane.unpinned') return { ...lane, pinned: null, last_position: event.position };
  if (LANE_NEUTRAL.has(event.type)) return lane;
  const at = event.data.occurred_at;
  const latest = { deployment_id: view.id, version: view.version, at, deployed_by: view.deployed_by, status: view.status }; // no spread: see historyEntry
  const open = view.status === 'pending' || view.status === 'started';
  const inFlight = open ? latest : lane.in_flight?.deployment_id === view.id ? null : lane.in_flight;
  // A superseded deployment is aborted just before its successor opens: it never becomes "latest" again.
  const isLatest = !(event.type === 'deployment.aborted' && lane.latest && lane.latest.deployment_id !== view.id);
  const completed = view.status === 'completed';
  const replacesCurrent = completed && lane.current !== null && lane.current.version !== view.version;
  return {
    ...lane,
    latest: isLatest ? latest : lane.latest,
    in_flight: inFlight,
    current: completed ? summary(view, at) : lane.current,
    previous_successful: replacesCurrent ? lane.current : lane.previous_successful,
    last_position: event.position,
  };
};

const emptyLane = (product: string, environment: string): LaneView => ({
  id: laneId(product, environment),
  product,
  environment,
  latest: null,
  current: null,
  previous_successful: null,
  in_flight: null,
  pinned: null,
  last_position: 0,
});

/**
 * The lane as it stands after the event at `position`. Field by field: adding fields to a spread copy builds an
 * object V8 copies and serializes several times slower, and this runs once per lane event.
 */
const historyEntry = (lane: LaneView, at: string, position: number): LaneHistoryEntry => ({
  id: `${laneHistoryPrefix(lane.id)}${at}#${String(position).padStart(16, '0')}`,
  product: lane.product,
  environment: lane.environment,
  latest: lane.latest,
  current: lane.current,
  previous_successful: lane.previous_successful,
  in_flight: lane.in_flight,
  pinned: lane.pinned,
  last_position: lane.last_position,
  lane: lane.id,
  at,
  position,
});

/** When a rollback completes, the deployment it rolled back is marked as replaced (PRD status `rolled_back`). */
const markRolledBack = async (tx: ReadTx, rollback: DeploymentView): Promise<void> => {
  if (rollback.status !== 'completed' || !rollback.rollback_of_deployment_id) return;
  const replaced = await tx.get<DeploymentView>(DEPLOYMENTS, rollback.rollback_of_deployment_id);
  if (replaced) tx.put(DEPLOYMENTS, { ...replaced, rolled_back_by: rollback.id });
};

export const deploymentsProjection = defineProjection<LaneRecorded>({
  name: 'deployments',
  version: 6,
  collections: [
    {
      name: DEPLOYMENTS,
      indexes: [
        ['created_at', 'id'],
        ['product', 'created_at', 'id'],
        ['environment', 'created_at', 'id'],
        ['status', 'created_at', 'id'],
        ['version', 'created_at', 'id'],
        ['deployed_by', 'created_at', 'id'],
        ['product', 'environment', 'created_at', 'id'],
        ['finished_at'],
      ],
    },
    { name: LANES, indexes: [['product'], ['environment']] },
    { name: LANE_HISTORY, indexes: [], appendOnly: true },
  ],
  handles: LANE_EVENT_TYPES,
  async apply(tx, event) {
    const { deployment_id, product, environment } = event.data;
    // Replays are harmless: an event at or below the row's last position was already applied.
    const current = await tx.get<DeploymentView>(DEPLOYMENTS, deployment_id);
    if (current && current.last_position >= event.position) return;
    const view = applyToDeployment(current ?? opened(event), event);
    tx.put(DEPLOYMENTS, view);
    if (view.is_rollback) await markRolledBack(tx, view);
    const lane = (await tx.get<LaneView>(LANES, laneId(product, environment))) ?? emptyLane(product, environment);
    const next = applyToLane(lane, view, event);
    tx.put(LANES, next);
    if (next !== lane) tx.put(LANE_HISTORY, historyEntry(next, event.data.occurred_at, event.position));
  },
});
