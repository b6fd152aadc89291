import type { ApproveDeployment, CancelDeployment, DispatchDeployment, RejectDeployment, RequestDeployment, RollbackLane, UnpinLane } from './lane.commands';
import {
  DeploymentFinished,
  DeploymentInFlight,
  DeploymentNotFound,
  LanePinned,
  NotAwaitingApproval,
  NotPinned,
  NoRollbackTarget,
  ReasonRequired,
  SelfApproval,
  UnknownVersion,
} from './lane.errors';
import type { LaneEvent, LaneFacts, RequestFacts } from './lane.events';
import { laneStream } from './lane.events';
import { rollbackFacts, superseded, type DecideContext } from './lane.reports';
import { findAttempt, latestAttempt, previousSuccessful, type Attempt, type LaneState } from './lane.state';
import { parseStrategy } from '../strategies/strategy.config';
import { InvalidStrategy } from '../strategies/strategy.errors';

const laneFacts = (attempt: Pick<Attempt, 'id' | 'version' | 'facts'>, at: string): LaneFacts => ({
  deployment_id: attempt.id,
  product: attempt.facts.product,
  environment: attempt.facts.environment,
  version: attempt.version,
  occurred_at: at,
});

const dispatched = (attempt: Pick<Attempt, 'id' | 'version' | 'facts' | 'isRollback'>, kind: RequestFacts['kind'], at: string): LaneEvent => ({
  type: 'deployment.dispatched',
  data: { ...laneFacts(attempt, at), kind, ...(attempt.isRollback ? { is_rollback: true as const } : {}) },
});

/**
 * A request's `config.strategy` (a name or `{name, …parameters}`), checked and completed with the defaults, so the
 * recorded request carries every parameter its strategy saga will use. A config without one is kept as it is.
 */
const withCheckedStrategy = (config: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  if (config === undefined || !('strategy' in config)) return config;
  const parsed = parseStrategy(config);
  if (!parsed.ok) throw new InvalidStrategy(parsed.errors);
  return { ...config, strategy: parsed.strategy };
};

const isDue = (scheduledAt: string | null | undefined, at: string): boolean => !scheduledAt || scheduledAt <= at;

/** An open deployment an operator acts on; a finished or unknown one is an error naming which. */
const openAttempt = (lane: LaneState, command: { data: { deployment_id: string; product: string; environment: string } }): Attempt => {
  const attempt = findAttempt(lane, command.data.deployment_id);
  if (!attempt) throw new DeploymentNotFound(command.data.deployment_id, laneStream(command.data.product, command.data.environment));
  if (attempt !== lane.inFlight) throw new DeploymentFinished(attempt.id, attempt.status);
  return attempt;
};

/**
 * Deploy, promotion or rollback request. It opens a pending deployment, then either waits for approvals,
 * waits for its schedule (a timer saga dispatches it), or is dispatched to the executor at once.
 */
export const requestDeployment = ({ data: cmd }: RequestDeployment, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const at = ctx.now.toISOString();
  const config = withCheckedStrategy(cmd.config);
  const lanePath = laneStream(cmd.product, cmd.environment);
  if (lane.pinned && cmd.kind !== 'rollback') throw new LanePinned(lanePath, lane.pinned.version);
  if (lane.inFlight && cmd.kind !== 'rollback') throw new DeploymentInFlight(lanePath, lane.inFlight.id, lane.inFlight.version);
  if (!cmd.version_known) {
    if (!cmd.force) throw new UnknownVersion(cmd.version);
    if (!cmd.reason) throw new ReasonRequired('A forced deployment of an unknown version');
  }
  const id = ctx.newDeploymentId();
  const replaced = latestAttempt(lane);
  const rollback =
    cmd.kind === 'rollback' && replaced
      ? { is_rollback: true as const, rollback_of: replaced.version, rollback_of_deployment_id: replaced.id }
      : rollbackFacts(lane, cmd.version);
  const requested: RequestFacts = {
    deployment_id: id,
    product: cmd.product,
    environment: cmd.environment,
    version: cmd.version,
    occurred_at: at,
    kind: cmd.kind,
    requested_by: cmd.requested_by,
    approvals_required: cmd.approvals_required,
    ...(cmd.reason === undefined ? {} : { reason: cmd.reason }),
    ...(cmd.scheduled_at === undefined ? {} : { scheduled_at: cmd.scheduled_at }),
    ...(cmd.force ? { force: true as const } : {}),
    ...(cmd.promoted_from === undefined ? {} : { promoted_from: cmd.promoted_from }),
    ...(config === undefined ? {} : { config }),
    ...(cmd.release_id === undefined ? {} : { release_id: cmd.release_id }),
    ...(cmd.policy_violations?.length ? { policy_violations: cmd.policy_violations } : {}),
    ...(cmd.policy_override_reason === undefined ? {} : { policy_override_reason: cmd.policy_override_reason }),
    ...rollback,
  };
  const attempt = { id, version: cmd.version, facts: requested, isRollback: requested.is_rollback === true };
  const facts = laneFacts(attempt, at);
  return [
    // A rollback does not wait for a stuck deployment: it replaces it.
    ...(lane.inFlight ? [superseded(lane.inFlight, at)] : []),
    { type: 'deployment.requested', data: requested },
    ...(cmd.kind === 'rollback' ? [{ type: 'lane.pinned' as const, data: facts }] : []),
    ...(cmd.approvals_required > 0
      ? [{ type: 'deployment.approval_requested' as const, data: { ...facts, approvals_required: cmd.approvals_required } }]
      : isDue(cmd.scheduled_at, at)
        ? [dispatched(attempt, cmd.kind, at)]
        : []),
  ];
};

/** To `version` (it must have completed in this lane), else to the previous successful version. */
export const rollbackLane = ({ data: cmd }: RollbackLane, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const lanePath = laneStream(cmd.product, cmd.environment);
  const target = cmd.version ? lane.finished.findLast((d) => d.version === cmd.version && d.status === 'completed') : previousSuccessful(lane);
  if (!target) throw new NoRollbackTarget(lanePath, cmd.version);
  return requestDeployment(
    {
      type: 'RequestDeployment',
      data: {
        product: cmd.product,
        environment: cmd.environment,
        version: target.version,
        kind: 'rollback',
        requested_by: cmd.requested_by,
        approvals_required: cmd.approvals_required,
        version_known: true,
        ...(cmd.reason === undefined ? {} : { reason: cmd.reason }),
      },
    },
    lane,
    ctx,
  );
};

const awaitingApproval = (lane: LaneState, command: ApproveDeployment | RejectDeployment): Attempt & { request: NonNullable<Attempt['request']> } => {
  const attempt = openAttempt(lane, command);
  const { request } = attempt;
  if (!request || request.dispatched || request.approvers.length >= request.approvalsRequired) throw new NotAwaitingApproval(attempt.id);
  if (command.data.approver === request.requestedBy) throw new SelfApproval();
  return { ...attempt, request };
};

/** n distinct approvers other than the requester; the last one dispatches it (unless it waits for its schedule). */
export const approve = (command: ApproveDeployment, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const attempt = awaitingApproval(lane, command);
  if (attempt.request.approvers.includes(command.data.approver)) return [];
  const at = ctx.now.toISOString();
  const approvals = attempt.request.approvers.length + 1;
  const { comment } = command.data;
  return [
    { type: 'deployment.approved', data: { ...laneFacts(attempt, at), approver: command.data.approver, approvals, ...(comment ? { comment } : {}) } },
    ...(approvals >= attempt.request.approvalsRequired && isDue(attempt.request.scheduledAt, at) ? [dispatched(attempt, attempt.request.kind, at)] : []),
  ];
};

/** One rejection ends the request. */
export const reject = (command: RejectDeployment, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const attempt = awaitingApproval(lane, command);
  const at = ctx.now.toISOString();
  const { comment } = command.data;
  return [
    { type: 'deployment.rejected', data: { ...laneFacts(attempt, at), approver: command.data.approver, ...(comment ? { comment } : {}) } },
    { type: 'deployment.aborted', data: { ...attempt.facts, occurred_at: at, reason: 'rejected' } },
  ];
};

/**
 * A deployment no executor has started yet ends at once; a running one gets a cancel request and its
 * executor stops it (the command executor kills the process, an external pipeline reports `aborted`).
 */
export const cancel = (command: CancelDeployment, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const attempt = openAttempt(lane, command);
  if (attempt.cancelRequested) return [];
  const at = ctx.now.toISOString();
  const { reason } = command.data;
  const requested: LaneEvent = { type: 'deployment.cancel_requested', data: { ...laneFacts(attempt, at), ...(reason ? { reason } : {}) } };
  const notStarted = attempt.status === 'pending' && !attempt.request?.dispatched;
  return notStarted ? [requested, { type: 'deployment.aborted', data: { ...attempt.facts, occurred_at: at, reason: 'cancelled' } }] : [requested];
};

/** A scheduled deployment's timer fired: dispatch it if it still waits (approved, not cancelled). */
export const dispatchScheduled = (command: DispatchDeployment, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const attempt = findAttempt(lane, command.data.deployment_id);
  const request = attempt === lane.inFlight ? attempt?.request : null;
  if (!attempt || !request || request.dispatched || attempt.cancelRequested || request.approvers.length < request.approvalsRequired) return [];
  return [dispatched(attempt, request.kind, ctx.now.toISOString())];
};

export const unpin = ({ data }: UnpinLane, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  if (!lane.pinned) throw new NotPinned(laneStream(data.product, data.environment));
  const { deploymentId, version } = lane.pinned;
  return [{ type: 'lane.unpinned', data: { deployment_id: deploymentId, product: data.product, environment: data.environment, version, occurred_at: ctx.now.toISOString() } }];
};
