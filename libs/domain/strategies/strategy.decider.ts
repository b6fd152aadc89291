import { DeploymentFinished, DeploymentNotFound } from '../deployments/lane.errors';
import { laneStream } from '../deployments/lane.events';
import { assertNever } from '../shared/assert-never';
import type {
  AbortStrategy,
  OnRun,
  PauseStrategy,
  PromoteNow,
  RecordHealth,
  RecordStepResult,
  RecordTrafficRollback,
  ResumeStrategy,
  StartStrategy,
  StepDue,
  StrategyCommand,
} from './strategy.commands';
import { maxFailedChecks } from './strategy.config';
import type { AbortCause, StepCompleted, StepStarted, StrategyEvent, StrategyFacts } from './strategy.events';
import { planSteps, type StrategyStep } from './strategy.plan';
import { evolveStrategy, nextStepIndex, type StrategyRun, type StrategyState } from './strategy.state';

export { evolveStrategy, initialStrategyState, type NextAction, type StrategyRun, type StrategyState, type StrategyStatus } from './strategy.state';

/** Time is data: the handler passes the clock's reading. */
export type StrategyContext = { now: Date };

const iso = (ctx: StrategyContext): string => ctx.now.toISOString();
const addSeconds = (at: string, seconds: number): string => new Date(Date.parse(at) + Math.round(seconds * 1000)).toISOString();
const laterOf = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

const facts = (run: StrategyRun, at: string): StrategyFacts => ({
  deployment_id: run.deployment_id,
  product: run.product,
  environment: run.environment,
  version: run.version,
  occurred_at: at,
  strategy: run.strategy.name,
});

const stepFacts = (run: StrategyRun, step: StrategyStep, at: string) => ({
  ...facts(run, at),
  step_index: step.index,
  step_count: run.plan.length,
  kind: step.kind,
  traffic_percent: step.traffic_percent,
  ...(step.batch ? { batch: step.batch } : {}),
});

const stepStarted = (run: StrategyRun, index: number, at: string, promoted = false): StepStarted[] => {
  const step = run.plan[index];
  return step ? [{ type: 'deployment.step_started', data: { ...stepFacts(run, step, at), ...(promoted ? { promoted: true as const } : {}) } }] : [];
};

/** The run this command is about, if it has started (a state folds one deployment's events). */
const runOf = (state: StrategyState, data: OnRun): StrategyRun | null => (state.run?.deployment_id === data.deployment_id ? state.run : null);

/** Operator commands name a run that must exist. */
const operatorRun = (state: StrategyState, data: OnRun): StrategyRun => {
  const run = runOf(state, data);
  if (!run) throw new DeploymentNotFound(data.deployment_id, laneStream(data.product, data.environment));
  return run;
};

/** Operators may steer a running or paused run; once it rolls back or ends there is nothing to steer. */
const assertSteerable = (run: StrategyRun): void => {
  if (run.status !== 'running' && run.status !== 'paused') throw new DeploymentFinished(run.deployment_id, run.status);
};

/** The new version may already carry the weight of a step in flight: roll back from the larger of the two. */
const exposure = (run: StrategyRun): number => (run.step_done ? run.traffic_percent : Math.max(run.traffic_percent, run.plan[run.step_index]?.traffic_percent ?? 0));

const aborted = (run: StrategyRun, cause: AbortCause, reason: string, at: string): StrategyEvent => ({
  type: 'deployment.strategy_aborted',
  data: { ...facts(run, at), cause, reason, step_index: run.step_index, traffic_percent: exposure(run) },
});

/** The waiting step starts when it is due, the run is not paused and the last health check did not fail (promote-now overrides health). */
const dueStep = (run: StrategyRun, at: string): number | null => {
  const index = nextStepIndex(run);
  const ready = run.status === 'running' && run.step_done && run.next_due_at !== null && Date.parse(at) >= Date.parse(run.next_due_at) && (run.failed_checks === 0 || run.promoted);
  return ready ? index : null;
};

const start = ({ data }: StartStrategy, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  if (state.run) return []; // started already: a redelivered dispatch
  const at = iso(ctx);
  const plan = planSteps(data.strategy);
  const started: StrategyEvent = {
    type: 'deployment.strategy_started',
    data: {
      deployment_id: data.deployment_id,
      product: data.product,
      environment: data.environment,
      version: data.version,
      occurred_at: at,
      strategy: data.strategy.name,
      config: data.strategy,
      plan,
    },
  };
  const { run } = evolveStrategy(state, started);
  return run ? [started, ...stepStarted(run, 0, at)] : [started];
};

const stepDue = ({ data }: StepDue, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = runOf(state, data);
  if (!run) return [];
  const index = dueStep(run, iso(ctx));
  return index !== null && index === data.step_index ? stepStarted(run, index, iso(ctx)) : []; // early, stale or duplicate timers do nothing
};

const recordStepResult = ({ data }: RecordStepResult, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = runOf(state, data);
  const step = run?.plan[data.step_index];
  if (!run || !step || run.step_done || run.step_index !== data.step_index || (run.status !== 'running' && run.status !== 'paused')) return [];
  const at = iso(ctx);
  if (!data.ok) return [aborted(run, 'step_failed', `step ${step.index + 1} of ${run.plan.length} failed${data.detail ? `: ${data.detail}` : ''}`, at)];

  const after = nextStepIndex(run);
  const dueAt = after === null ? null : run.promoted ? at : addSeconds(at, step.wait_seconds_after);
  const completed: StepCompleted = {
    type: 'deployment.step_completed',
    data: { ...stepFacts(run, step, at), ...(data.detail ? { detail: data.detail } : {}), ...(dueAt ? { next_step_due_at: dueAt } : {}) },
  };
  if (after === null) {
    const duration = (Date.parse(at) - Date.parse(run.started_at)) / 1000;
    return [completed, { type: 'deployment.strategy_completed', data: { ...facts(run, at), step_count: run.plan.length, traffic_percent: 100, duration_seconds: duration } }];
  }
  // Promote-now skips the wait (and the health hold): the operator asked for 100 % now.
  const promotedNow = run.promoted && run.status === 'running';
  return [completed, ...(promotedNow ? stepStarted(run, after, at, true) : [])];
};

const recordHealth = ({ data }: RecordHealth, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = runOf(state, data);
  if (!run || (run.status !== 'running' && run.status !== 'paused')) return []; // a late probe after the run ended
  const at = iso(ctx);
  const stepIndex = Math.max(0, run.step_index);
  if (data.healthy) {
    if (run.healthy === true && run.failed_checks === 0) return []; // still healthy: no change to record
    const recovered: StrategyEvent = { type: 'deployment.health_changed', data: { ...facts(run, at), step_index: stepIndex, healthy: true, detail: data.detail, failed_checks: 0 } };
    // A step held back by failing health starts as soon as health recovers after its due time.
    const held = run.failed_checks > 0 ? dueStep({ ...run, failed_checks: 0 }, at) : null;
    return [recovered, ...(held === null ? [] : stepStarted(run, held, at))];
  }
  const failedChecks = run.failed_checks + 1;
  const failed: StrategyEvent = { type: 'deployment.health_changed', data: { ...facts(run, at), step_index: stepIndex, healthy: false, detail: data.detail, failed_checks: failedChecks } };
  if (failedChecks < maxFailedChecks(run.strategy)) return [failed];
  return [failed, aborted(run, 'health_check', `health check failed ${failedChecks} time${failedChecks === 1 ? '' : 's'} in a row: ${data.detail}`, at)];
};

const recordTrafficRollback = ({ data }: RecordTrafficRollback, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = runOf(state, data);
  if (!run || run.status !== 'rolling_back' || !run.abort) return []; // a repeated report
  return [
    {
      type: 'deployment.traffic_rolled_back',
      data: { ...facts(run, iso(ctx)), from_percent: run.abort.from_percent, traffic_percent: 0, outcome: run.abort.outcome, ...(data.detail ? { detail: data.detail } : {}) },
    },
  ];
};

const pause = ({ data }: PauseStrategy, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = operatorRun(state, data);
  assertSteerable(run);
  if (run.status === 'paused') return [];
  return [{ type: 'deployment.strategy_paused', data: { ...facts(run, iso(ctx)), step_index: run.step_index, ...(data.reason ? { reason: data.reason } : {}) } }];
};

const resume = ({ data }: ResumeStrategy, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = operatorRun(state, data);
  assertSteerable(run);
  if (run.status === 'running') return [];
  const at = iso(ctx);
  const dueAt = run.step_done && run.next_due_at !== null && nextStepIndex(run) !== null ? laterOf(run.next_due_at, at) : null;
  const resumed: StrategyEvent = { type: 'deployment.strategy_resumed', data: { ...facts(run, at), step_index: run.step_index, ...(dueAt ? { next_step_due_at: dueAt } : {}) } };
  const index = dueStep({ ...run, status: 'running', next_due_at: dueAt }, at);
  return [resumed, ...(index === null ? [] : stepStarted(run, index, at, run.promoted))];
};

const promoteNow = ({ data }: PromoteNow, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = operatorRun(state, data);
  assertSteerable(run);
  const last = run.plan.length - 1;
  if (run.step_index >= last || (run.promoted && run.status === 'running')) return []; // nothing left to skip
  const at = iso(ctx);
  const promoted: StrategyEvent = {
    type: 'deployment.strategy_promoted',
    data: { ...facts(run, at), from_step_index: run.step_index, to_step_index: last, ...(data.reason ? { reason: data.reason } : {}) },
  };
  // A step in flight finishes first; RecordStepResult then starts the last step.
  return [promoted, ...(run.step_done ? stepStarted(run, last, at, true) : [])];
};

const abort = ({ data }: AbortStrategy, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  const run = operatorRun(state, data);
  if (run.status === 'rolling_back' || run.status === 'aborted') return []; // aborting already
  assertSteerable(run);
  return [aborted(run, 'operator', data.reason ?? 'aborted by an operator', iso(ctx))];
};

/**
 * One strategy run of one deployment (canary, blue-green, rolling, direct). The saga reads `state.run.next` after
 * each append: it schedules durable timers, runs executor hooks and probes health, and reports back with commands.
 * Saga commands that arrive twice, late or early are no-ops; operator commands on a run that is rolling back or
 * over throw DeploymentFinished, and on a deployment without a run DeploymentNotFound.
 */
export const decideStrategy = (command: StrategyCommand, state: StrategyState, ctx: StrategyContext): StrategyEvent[] => {
  switch (command.type) {
    case 'StartStrategy':
      return start(command, state, ctx);
    case 'StepDue':
      return stepDue(command, state, ctx);
    case 'RecordStepResult':
      return recordStepResult(command, state, ctx);
    case 'RecordHealth':
      return recordHealth(command, state, ctx);
    case 'RecordTrafficRollback':
      return recordTrafficRollback(command, state, ctx);
    case 'PauseStrategy':
      return pause(command, state, ctx);
    case 'ResumeStrategy':
      return resume(command, state, ctx);
    case 'PromoteNow':
      return promoteNow(command, state, ctx);
    case 'AbortStrategy':
      return abort(command, state, ctx);
    default:
      return assertNever(command);
  }
};
