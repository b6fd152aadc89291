import { assertNever } from '../shared/assert-never';
import { AddOnlyList } from '../shared/add-only-list';
import { FirstWins } from '../shared/first-wins';
import { parseStrategy, type StrategyConfig } from '../strategies/strategy.config';
import type { DeploymentFacts, DeploymentKind, LaneEvent } from './lane.events';
import type { CanonicalStatus, TerminalStatus } from './statuses';

/** What an operator asked for, for deployments that were requested rather than reported by CI. */
export type DeploymentRequest = {
  kind: DeploymentKind;
  requestedBy: string;
  approvalsRequired: number;
  approvers: readonly string[];
  scheduledAt: string | null;
  dispatched: boolean;
  releaseId: string | null;
  /** A canary, blue-green or rolling strategy its saga carries out; null for `direct` (the executor runs it in one go). */
  strategy: Exclude<StrategyConfig, { name: 'direct' }> | null;
};

/** The recorded request's strategy (checked when it was requested), unless it is `direct`. */
const requestedStrategy = (config: Record<string, unknown> | undefined): DeploymentRequest['strategy'] => {
  if (config?.['strategy'] === undefined) return null;
  const parsed = parseStrategy(config);
  return parsed.ok && parsed.strategy.name !== 'direct' ? parsed.strategy : null;
};

export type Attempt = {
  id: string;
  version: string;
  status: CanonicalStatus;
  facts: DeploymentFacts;
  finishedAt: string | null;
  isRollback: boolean;
  request: DeploymentRequest | null;
  cancelRequested: boolean;
};

export type LaneState = {
  readonly inFlight: Attempt | null;
  readonly finished: AddOnlyList<Attempt>;
  /** The last completed deployment: what runs in the environment. */
  readonly current: { id: string; version: string } | null;
  /** Order in which versions first completed in this lane: a rollback goes back to one of them. */
  readonly firstCompleted: FirstWins<number>;
  /** Order in which versions were first deployed (attempted) here: what "older" means for rollbacks. */
  readonly firstSeen: FirstWins<number>;
  readonly shaByVersion: FirstWins<string>;
  /** Set by a rollback: the lane keeps this version until an operator unpins it. */
  readonly pinned: { deploymentId: string; version: string } | null;
};

export const initialLaneState: LaneState = {
  inFlight: null,
  finished: AddOnlyList.empty(),
  current: null,
  firstCompleted: FirstWins.empty(),
  firstSeen: FirstWins.empty(),
  shaByVersion: FirstWins.empty(),
  pinned: null,
};

const FACT_KEYS = ['deployment_id', 'product', 'environment', 'version', 'occurred_at', 'deployed_by', 'scm_sha', 'scm_branch', 'build_url', 'extra_metadata'] as const;

/** Only the CI facts of an event, so that events derived from an attempt (e.g. superseded) carry no request fields. */
export const deploymentFacts = (data: DeploymentFacts): DeploymentFacts => {
  // A loop, not filter/map/fromEntries: this runs for every lane event a command or a reactor folds.
  const facts: Partial<Record<(typeof FACT_KEYS)[number], unknown>> = {};
  for (const key of FACT_KEYS) if (data[key] !== undefined) facts[key] = data[key];
  return facts as DeploymentFacts;
};

const rememberSha = (lane: LaneState, facts: DeploymentFacts): LaneState['shaByVersion'] =>
  facts.scm_sha ? lane.shaByVersion.add(facts.version, facts.scm_sha) : lane.shaByVersion;

const updateInFlight = (lane: LaneState, id: string, update: (attempt: Attempt) => Attempt): LaneState =>
  lane.inFlight?.id === id ? { ...lane, inFlight: update(lane.inFlight) } : lane;

const open = (lane: LaneState, data: DeploymentFacts & { is_rollback?: true }, status: 'pending' | 'started', request: DeploymentRequest | null): LaneState => {
  const same = lane.inFlight?.id === data.deployment_id ? lane.inFlight : null;
  const facts = deploymentFacts(same ? { ...same.facts, ...data } : data);
  return {
    ...lane,
    inFlight: {
      id: data.deployment_id,
      version: data.version,
      status,
      facts,
      finishedAt: null,
      isRollback: same?.isRollback ?? data.is_rollback === true,
      request: same?.request ?? request,
      cancelRequested: same?.cancelRequested ?? false,
    },
    shaByVersion: rememberSha(lane, data),
    firstSeen: lane.firstSeen.add(data.version, lane.firstSeen.size),
  };
};

const finish = (lane: LaneState, data: DeploymentFacts, status: TerminalStatus): LaneState => {
  const previous = lane.inFlight?.id === data.deployment_id ? lane.inFlight : null;
  const attempt: Attempt = {
    id: data.deployment_id,
    version: data.version,
    status,
    facts: deploymentFacts(previous ? { ...previous.facts, ...data } : data),
    finishedAt: data.occurred_at,
    isRollback: previous?.isRollback ?? false,
    request: previous?.request ?? null,
    cancelRequested: previous?.cancelRequested ?? false,
  };
  const completed = status === 'completed';
  return {
    ...lane,
    inFlight: previous ? null : lane.inFlight,
    finished: lane.finished.append(attempt),
    current: completed ? { id: attempt.id, version: attempt.version } : lane.current,
    firstCompleted: completed ? lane.firstCompleted.add(attempt.version, lane.firstCompleted.size) : lane.firstCompleted,
    // Finishing is attempting too (a stream may finish a deployment it never opened): reportStatus relies on it.
    firstSeen: lane.firstSeen.add(attempt.version, lane.firstSeen.size),
    shaByVersion: rememberSha(lane, data),
  };
};

export const evolveLane = (lane: LaneState, event: LaneEvent): LaneState => {
  switch (event.type) {
    case 'deployment.pending':
      return open(lane, event.data, 'pending', null);
    case 'deployment.started':
      return open(lane, event.data, 'started', null);
    case 'deployment.requested': {
      const { data } = event;
      return open(lane, data, 'pending', {
        kind: data.kind,
        requestedBy: data.requested_by,
        approvalsRequired: data.approvals_required,
        approvers: [],
        scheduledAt: data.scheduled_at ?? null,
        dispatched: false,
        releaseId: data.release_id ?? null,
        strategy: requestedStrategy(data.config),
      });
    }
    case 'deployment.completed':
      return finish(lane, event.data, 'completed');
    case 'deployment.failed':
      return finish(lane, event.data, 'failed');
    case 'deployment.aborted':
      return finish(lane, event.data, 'aborted');
    case 'deployment.approved':
      return updateInFlight(lane, event.data.deployment_id, (a) => (a.request ? { ...a, request: { ...a.request, approvers: [...a.request.approvers, event.data.approver] } } : a));
    case 'deployment.dispatched':
      return updateInFlight(lane, event.data.deployment_id, (a) => (a.request ? { ...a, request: { ...a.request, dispatched: true } } : a));
    case 'deployment.cancel_requested':
      return updateInFlight(lane, event.data.deployment_id, (a) => ({ ...a, cancelRequested: true }));
    case 'lane.pinned':
      return { ...lane, pinned: { deploymentId: event.data.deployment_id, version: event.data.version } };
    case 'lane.unpinned':
      return { ...lane, pinned: null };
    case 'deployment.reported_late':
    case 'deployment.approval_requested':
    case 'deployment.rejected':
      return lane;
    default:
      return assertNever(event);
  }
};

/** The most recent deployment, whatever its outcome. */
export const latestAttempt = (lane: LaneState): Attempt | null => lane.inFlight ?? lane.finished.at(-1) ?? null;

/**
 * The default rollback target: the last version that completed here other than the latest deployment's.
 * After 1.0 ✓, 2.0 ✓ it is 1.0; after 1.0 ✓, 2.0 ✗ it is 1.0 too (restoring what ran before the failure).
 */
export const previousSuccessful = (lane: LaneState): Attempt | null => {
  const latest = latestAttempt(lane);
  return lane.finished.findLast((d) => d.status === 'completed' && d.version !== latest?.version) ?? null;
};

export const findAttempt = (lane: LaneState, deploymentId: string): Attempt | null =>
  lane.inFlight?.id === deploymentId ? lane.inFlight : (lane.finished.find((d) => d.id === deploymentId) ?? null);
