import { assertNever } from '../shared/assert-never';
import { hasHealthCheck, type StrategyConfig } from './strategy.config';
import type { AbortOutcome, StrategyEvent } from './strategy.events';
import type { StrategyStep } from './strategy.plan';

/** Seed 004 status vocabulary (running, rolling_back, failed) plus the operator's paused and aborted. */
export type StrategyStatus = 'running' | 'paused' | 'rolling_back' | 'completed' | 'failed' | 'aborted';

/**
 * What the application-layer saga does now, derived from the state alone:
 * - `run_step`: run the executor hook for `step` (SHIPLOG_STEP, SHIPLOG_TRAFFIC_PERCENT / batch), then RecordStepResult.
 *   Holds even while paused: a started step always finishes.
 * - `wait`: schedule a durable timer `timer_key` at `due_at`, then StepDue. With `check_health`, probe while waiting
 *   (RecordHealth) and once more when the timer fires, before StepDue. While the last probe failed the step is held;
 *   a healthy probe after `due_at` starts it.
 * - `rollback_traffic`: run the executor hook to put all traffic back on the stable version, then RecordTrafficRollback.
 * - `none`: nothing to do (paused between steps, or finished).
 */
export type NextAction =
  | { kind: 'run_step'; step: StrategyStep }
  | { kind: 'wait'; step: StrategyStep; due_at: string; timer_key: string; check_health: boolean }
  | { kind: 'rollback_traffic'; from_percent: number }
  | { kind: 'none' };

export type StrategyRun = {
  readonly deployment_id: string;
  readonly product: string;
  readonly environment: string;
  readonly version: string;
  readonly strategy: StrategyConfig;
  readonly plan: readonly StrategyStep[];
  readonly started_at: string;
  readonly status: StrategyStatus;
  /** The step started last (-1 before the first). */
  readonly step_index: number;
  /** Whether the executor finished that step. */
  readonly step_done: boolean;
  /** When the next step is due, once the current one is done. */
  readonly next_due_at: string | null;
  /** The traffic share the new version has: the last completed step's, 0 after a rollback. */
  readonly traffic_percent: number;
  /** Latest recorded health (null: never probed) and failed checks in a row. */
  readonly healthy: boolean | null;
  readonly failed_checks: number;
  readonly promoted: boolean;
  /** Each resume moves the timer to a new key (a durable timer id fires once). */
  readonly resumes: number;
  /** Set by an abort: why, how much traffic to roll back, and how the run ends. */
  readonly abort: { reason: string; from_percent: number; outcome: AbortOutcome } | null;
  readonly finished_at: string | null;
  readonly next: NextAction;
};

/** One strategy run of one deployment; null until `deployment.strategy_started`. */
export type StrategyState = { readonly run: StrategyRun | null };

export const initialStrategyState: StrategyState = { run: null };

const NONE: NextAction = { kind: 'none' };

/** The step after the current one: the next in the plan, or the last after promote-now. */
export const nextStepIndex = (run: Pick<StrategyRun, 'plan' | 'step_index' | 'promoted'>): number | null => {
  const last = run.plan.length - 1;
  if (run.step_index >= last) return null;
  return run.promoted ? last : run.step_index + 1;
};

export const timerKey = (run: Pick<StrategyRun, 'deployment_id' | 'resumes'>, stepIndex: number): string =>
  `strategy:${run.deployment_id}:step-${stepIndex}${run.resumes > 0 ? `:resume-${run.resumes}` : ''}`;

const nextAction = (run: Omit<StrategyRun, 'next'>): NextAction => {
  switch (run.status) {
    case 'rolling_back':
      return { kind: 'rollback_traffic', from_percent: run.abort?.from_percent ?? run.traffic_percent };
    case 'completed':
    case 'failed':
    case 'aborted':
      return NONE;
    case 'running':
    case 'paused': {
      const current = run.plan[run.step_index];
      if (current && !run.step_done) return { kind: 'run_step', step: current };
      const index = nextStepIndex(run);
      const step = index === null ? undefined : run.plan[index];
      if (run.status === 'paused' || !step || run.next_due_at === null) return NONE;
      return { kind: 'wait', step, due_at: run.next_due_at, timer_key: timerKey(run, step.index), check_health: hasHealthCheck(run.strategy) };
    }
    default:
      return assertNever(run.status);
  }
};

const withNext = (run: Omit<StrategyRun, 'next'>): StrategyRun => ({ ...run, next: nextAction(run) });

const update = (run: StrategyRun, changes: Partial<Omit<StrategyRun, 'next'>>): StrategyState => ({ run: withNext({ ...run, ...changes }) });

export const evolveStrategy = (state: StrategyState, event: StrategyEvent): StrategyState => {
  const { run } = state;
  if (event.type === 'deployment.strategy_started') {
    if (run) return state;
    const d = event.data;
    return {
      run: withNext({
        deployment_id: d.deployment_id,
        product: d.product,
        environment: d.environment,
        version: d.version,
        strategy: d.config,
        plan: d.plan,
        started_at: d.occurred_at,
        status: 'running',
        step_index: -1,
        step_done: true,
        next_due_at: d.occurred_at,
        traffic_percent: 0,
        healthy: null,
        failed_checks: 0,
        promoted: false,
        resumes: 0,
        abort: null,
        finished_at: null,
      }),
    };
  }
  // Events of other deployments (a shared stream) and events before the start change nothing.
  if (!run || run.deployment_id !== event.data.deployment_id) return state;
  switch (event.type) {
    case 'deployment.step_started':
      return update(run, { step_index: event.data.step_index, step_done: false, next_due_at: null });
    case 'deployment.step_completed':
      return update(run, { step_done: true, traffic_percent: event.data.traffic_percent, next_due_at: event.data.next_step_due_at ?? null });
    case 'deployment.health_changed':
      return update(run, { healthy: event.data.healthy, failed_checks: event.data.failed_checks });
    case 'deployment.strategy_paused':
      return update(run, { status: 'paused' });
    case 'deployment.strategy_resumed':
      return update(run, { status: 'running', resumes: run.resumes + 1, next_due_at: event.data.next_step_due_at ?? run.next_due_at });
    case 'deployment.strategy_promoted':
      return update(run, { status: 'running', promoted: true });
    case 'deployment.strategy_aborted': {
      const { reason, traffic_percent, cause } = event.data;
      return update(run, { status: 'rolling_back', next_due_at: null, abort: { reason, from_percent: traffic_percent, outcome: cause === 'operator' ? 'aborted' : 'failed' } });
    }
    case 'deployment.traffic_rolled_back':
      return update(run, { status: event.data.outcome, traffic_percent: 0, finished_at: event.data.occurred_at });
    case 'deployment.strategy_completed':
      return update(run, { status: 'completed', traffic_percent: 100, finished_at: event.data.occurred_at });
    default:
      return assertNever(event);
  }
};
