import type { CancelRequested, LaneFacts } from '../../domain/deployments/lane.events';
import type { Attempt, LaneState } from '../../domain/deployments/lane.state';
import { DomainError } from '../../domain/shared/domain-error';
import type { OnRun, StrategyCommand } from '../../domain/strategies/strategy.commands';
import type { StrategyRun } from '../../domain/strategies/strategy.decider';
import { STRATEGY_EVENT_TYPES } from '../../domain/strategies/strategy.events';
import type { StrategyStep } from '../../domain/strategies/strategy.plan';
import type { PendingTimer, TimerEvent } from '../../domain/timers/timers';
import type { EventStore, Recorded, RecordedEvent } from '../../event-store/event-store.port';
import type { Outcome } from '../../executors/command-runner';
import { sagaMeta } from '../deployments/sagas';
import type { Reactor } from '../reactors/reactor';
import type { CommandMeta } from '../shared/command-meta';
import type { StrategyService } from './strategy.service';

/** What a hook (a step, or the traffic rollback) did; null when it reports later (an external pipeline, through the API). */
export type HookOutcome = { ok: boolean; detail?: string } | null;

/** Runs the environment's executor for one step of a run, or to put all traffic back on the stable version. */
export interface StrategyHooks {
  runStep(run: StrategyRun, step: StrategyStep): Promise<HookOutcome>;
  rollbackTraffic(run: StrategyRun, fromPercent: number): Promise<HookOutcome>;
  /** Stops a hook of the deployment still running (an abort does not wait for the step in flight). */
  stop(deploymentId: string): void;
}

/** One health probe of the new version, as the run's strategy configures it. */
export type HealthProber = (run: StrategyRun) => Promise<{ healthy: boolean; detail: string }>;

type LaneDeployment = { id: string; product: string; environment: string; version: string; isRollback: boolean };

export type StrategySagaDeps = {
  store: Pick<EventStore, 'searchEvents'>;
  strategies: StrategyService;
  lanes: { load(product: string, environment: string): Promise<{ state: LaneState }> };
  /** Reports the deployment's lane status as its executor would (started, then completed / failed / aborted). */
  report: (job: { deployment: LaneDeployment }, outcome: Outcome) => Promise<void>;
  timers: { schedule(timer: PendingTimer, meta: CommandMeta): Promise<unknown> };
  hooks: StrategyHooks;
  probe: HealthProber;
  log: (message: string) => void;
  /** Before a failed traffic rollback or an unrecorded hook outcome is tried again (grows with each attempt). */
  retryDelayMs?: number;
};

const ENDINGS = new Set(['deployment.strategy_completed', 'deployment.traffic_rolled_back']);
/** The lane ended the deployment on its own (superseded by a rollback or another version, reported by CI). */
const LANE_ENDINGS = new Set(['deployment.completed', 'deployment.failed', 'deployment.aborted']);
const ACTOR = { kind: 'system' as const, id: 'system:strategy', name: 'strategy' };
const meta = (run: Pick<StrategyRun, 'deployment_id'>): CommandMeta => ({ actor: ACTOR, correlationId: run.deployment_id });
const onRun = (run: StrategyRun): OnRun => ({ product: run.product, environment: run.environment, deployment_id: run.deployment_id });
const laneDeployment = (run: StrategyRun): LaneDeployment => ({ id: run.deployment_id, product: run.product, environment: run.environment, version: run.version, isRollback: false });
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Seconds between health probes while a step is observed: the rolling check's interval, else a fifth of the wait (0.2–30 s). */
export const probePeriodSeconds = (run: StrategyRun): number => {
  if (run.strategy.name === 'rolling' && run.strategy.health_check) return run.strategy.health_check.interval;
  const wait = run.plan[run.step_index]?.wait_seconds_after ?? 30;
  return Math.min(30, Math.max(0.2, wait / 5));
};

/**
 * Carries out canary, blue-green and rolling deployments. On `deployment.dispatched` of a deployment whose request
 * has a strategy, it marks the deployment started and starts the run; after every event of the run it does what
 * the run's state says next (`run.next`): run a step's hook, wait on a durable timer (probing health meanwhile),
 * roll traffic back, or, once the run is over, report the deployment completed, failed or aborted. A cancel of
 * the deployment aborts the run. On becoming the active replica it picks up runs a previous process left midway:
 * timers survive in the store; a hook that was running when the process died runs again.
 */
export class StrategySaga {
  /** Hooks running in this process, by `deployment:step-n` / `deployment:rollback`: an event redelivered meanwhile does not start one twice. */
  private readonly busy = new Set<string>();
  private readonly probing = new Map<string, NodeJS.Timeout>();
  /** Attempts so far of what failed and is tried again, by the same keys as `busy`. */
  private readonly attempts = new Map<string, number>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private active = false;
  /**
   * Runs that can still move traffic (running, paused), by deployment id: a lane's every completion goes through
   * this reactor, and only these need their run read from the store.
   */
  private readonly live = new Set<string>();
  /** Bumped by stop(): a hook started before it belongs to a reign that is over. */
  private generation = 0;

  constructor(private readonly deps: StrategySagaDeps) {}

  readonly reactor: Reactor = {
    name: 'strategy',
    handles: ['deployment.dispatched', 'deployment.cancel_requested', 'timer.fired', ...LANE_ENDINGS, ...STRATEGY_EVENT_TYPES],
    react: (event) => this.react(event),
  };

  /** Becomes the active runner: acts on every run whose deployment is still in flight. */
  async start(): Promise<void> {
    this.active = true;
    // Page through every run ever started (a run in flight may be among the newest of many).
    for (let after = 0; ; ) {
      const started = await this.deps.store.searchEvents({ types: ['deployment.strategy_started'], afterPosition: after, limit: 1_000 });
      for (const event of started) {
        const { product, environment, deployment_id } = event.data as LaneFacts;
        const { state } = await this.deps.lanes.load(product, environment);
        if (state.inFlight?.id === deployment_id) await this.act(deployment_id);
        // The lane ended it while no replica ran the saga: stop the run (a no-op for one that is over).
        else await this.stopRunOf(deployment_id, 'the deployment ended while no replica was running its strategy', sagaMeta('strategy', event));
      }
      if (started.length < 1_000) return;
      after = started[started.length - 1]!.position;
    }
  }

  /**
   * Stops being the active runner (demoted, or shutting down): hooks still running are stopped and their outcomes
   * dropped — the next active replica runs those steps again (hooks set a weight, so a second run is harmless).
   */
  stop(): void {
    this.active = false;
    this.live.clear();
    this.generation += 1;
    for (const key of this.busy) this.deps.hooks.stop(key.slice(0, key.lastIndexOf(':')));
    this.busy.clear();
    for (const handle of this.probing.values()) clearTimeout(handle);
    this.probing.clear();
    for (const handle of this.retries) clearTimeout(handle);
    this.retries.clear();
  }

  private async react(event: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'deployment.dispatched':
        return this.dispatched(event);
      case 'deployment.cancel_requested':
        return this.cancelRequested(event as Recorded<CancelRequested>);
      case 'timer.fired':
        return this.timerFired(event as Recorded<TimerEvent> & { type: 'timer.fired' });
      case 'deployment.completed':
      case 'deployment.failed':
      case 'deployment.aborted':
        return this.laneEnded(event);
      default:
        return this.act((event.data as LaneFacts).deployment_id, event.type);
    }
  }

  private async attemptWithStrategy(data: LaneFacts): Promise<(Attempt & { request: NonNullable<Attempt['request']> }) | null> {
    const { state } = await this.deps.lanes.load(data.product, data.environment);
    const attempt = state.inFlight?.id === data.deployment_id ? state.inFlight : null;
    return attempt?.request?.strategy ? (attempt as Attempt & { request: NonNullable<Attempt['request']> }) : null;
  }

  private async dispatched(event: RecordedEvent): Promise<void> {
    const data = event.data as LaneFacts;
    const attempt = await this.attemptWithStrategy(data);
    // `started` too: a redelivered dispatch after the start was reported (StartStrategy is then a no-op).
    if (!attempt?.request.strategy || (attempt.status !== 'pending' && attempt.status !== 'started')) return;
    const deployment = { id: attempt.id, product: data.product, environment: data.environment, version: attempt.version, isRollback: attempt.isRollback };
    // Cancelled before its run started: nothing moved, the deployment just ends.
    if (attempt.cancelRequested) return this.deps.report({ deployment }, { status: 'aborted' });
    if (attempt.status === 'pending') await this.deps.report({ deployment }, { status: 'started' });
    await this.deps.strategies.execute(
      { type: 'StartStrategy', data: { product: data.product, environment: data.environment, deployment_id: attempt.id, version: attempt.version, strategy: attempt.request.strategy } },
      sagaMeta('strategy', event),
    );
    // Live from now on: a lane ending it before its strategy_started reaches this reactor must still stop it.
    this.live.add(attempt.id);
  }

  /** Cancelling a deployment with a strategy aborts its run (traffic goes back first); before its run started, the deployment just ends. */
  private async cancelRequested(event: Recorded<CancelRequested>): Promise<void> {
    const data = event.data;
    const attempt = await this.attemptWithStrategy(data);
    if (!attempt) return;
    const { run } = await this.deps.strategies.state(attempt.id);
    // Cancelled before its run started (dispatched, not yet picked up): nothing moved, the deployment just ends.
    if (!run) return this.deps.report({ deployment: { ...data, id: attempt.id, version: attempt.version, isRollback: attempt.isRollback } }, { status: 'aborted' });
    const { reason } = data;
    await this.deps.strategies.execute({ type: 'AbortStrategy', data: { ...onRun(run), reason: reason ? `cancelled: ${reason}` : 'cancelled' } }, sagaMeta('strategy', event));
  }

  /**
   * The lane ended the deployment while its run was still steering traffic (a rollback or another version superseded
   * it, CI reported an outcome): the run stops and the traffic it moved goes back. A run that ended first reported
   * that ending itself; nothing to do then.
   */
  private async laneEnded(event: RecordedEvent): Promise<void> {
    const { deployment_id, reason } = event.data as LaneFacts & { reason?: string };
    if (!this.live.has(deployment_id)) return; // CI's deployments, and runs that ended first (they reported it)
    await this.stopRunOf(deployment_id, `the deployment was ${event.type.replace('deployment.', '')}${reason ? ` (${reason})` : ''} while its strategy ran`, sagaMeta('strategy', event));
  }

  private async stopRunOf(deploymentId: string, reason: string, commandMeta: CommandMeta): Promise<void> {
    const { run } = await this.deps.strategies.state(deploymentId);
    if (!run || (run.status !== 'running' && run.status !== 'paused')) return;
    await this.deps.strategies.execute({ type: 'AbortStrategy', data: { ...onRun(run), reason } }, commandMeta);
  }

  /** A step's wait is over: one more health probe (if the run checks health), then the step is due. */
  private async timerFired(event: Recorded<TimerEvent> & { type: 'timer.fired' }): Promise<void> {
    const { action } = event.data;
    if (action.type !== 'StrategyStepDue') return;
    const { run } = await this.deps.strategies.state(action.deployment_id);
    if (!run) return;
    if (run.next.kind === 'wait' && run.next.check_health) await this.recordProbe(run);
    await this.deps.strategies.execute({ type: 'StepDue', data: { ...onRun(run), step_index: action.step_index } }, sagaMeta('strategy', event));
  }

  /**
   * What the run's state asks for now. Safe to call any number of times. `after`: the event that prompted it;
   * the deployment's end is reported on the event that ends the run (or when picking runs up after a restart).
   */
  private async act(deploymentId: string, after?: string): Promise<void> {
    const { run } = await this.deps.strategies.state(deploymentId);
    if (!run) return;
    if (run.status === 'running' || run.status === 'paused') this.live.add(deploymentId);
    else this.live.delete(deploymentId);
    const next = run.next;
    if (next.kind !== 'wait' || !next.check_health) this.stopProbing(deploymentId);
    switch (next.kind) {
      case 'run_step':
        return this.runHook(run, `step-${next.step.index}`, () => this.deps.hooks.runStep(run, next.step), (outcome) => ({
          type: 'RecordStepResult',
          data: { ...onRun(run), step_index: next.step.index, ok: outcome.ok, ...(outcome.detail ? { detail: outcome.detail } : {}) },
        }));
      case 'wait': {
        const action = { type: 'StrategyStepDue' as const, ...onRun(run), step_index: next.step.index };
        await this.deps.timers.schedule({ timer_id: next.timer_key, due_at: next.due_at, action }, { ...meta(run), idempotencyKey: next.timer_key });
        if (next.check_health) this.startProbing(run);
        return;
      }
      case 'rollback_traffic':
        // The step in flight, if any, is stopped: its weight is being undone. Never the rollback hook itself.
        if (!this.busy.has(`${deploymentId}:rollback`)) this.deps.hooks.stop(deploymentId);
        // Only a rollback that worked ends the run: a failed one is tried again (the ledger must not claim 0 %).
        return this.runHook(run, 'rollback', () => this.deps.hooks.rollbackTraffic(run, next.from_percent), (outcome) =>
          outcome.ok ? { type: 'RecordTrafficRollback', data: { ...onRun(run), detail: outcome.detail ?? `traffic back on the stable version (was ${next.from_percent} %)` } } : null,
        );
      case 'none':
        return after === undefined || ENDINGS.has(after) ? this.finish(run) : undefined;
      default:
        return next satisfies never;
    }
  }

  /**
   * Runs a hook without holding up the reactor (a step may take minutes); its outcome comes back as a command. A hook
   * that throws failed (`ok: false`); an outcome `record` refuses (null: a failed rollback) or that cannot be appended
   * is tried again after a growing delay, so a run never waits for an event that will not come.
   */
  private runHook(run: StrategyRun, what: string, hook: () => Promise<HookOutcome>, record: (outcome: NonNullable<HookOutcome>) => StrategyCommand | null): void {
    const key = `${run.deployment_id}:${what}`;
    if (!this.active || this.busy.has(key)) return;
    this.busy.add(key);
    const reign = this.generation;
    void hook()
      .catch((error: unknown): HookOutcome => ({ ok: false, detail: message(error) }))
      .then(async (outcome) => {
        if (!outcome || reign !== this.generation) return; // reported later through the API, or this replica stood down
        const command = record(outcome);
        if (!command) throw new Error(outcome.detail ?? 'failed');
        await this.deps.strategies.execute(command, meta(run));
        this.attempts.delete(key);
      })
      .catch((error: unknown) => this.retryLater(key, run.deployment_id, `${what}: ${message(error)}`))
      .finally(() => reign === this.generation && this.busy.delete(key));
  }

  private retryLater(key: string, deploymentId: string, why: string): void {
    if (!this.active) return;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const delay = Math.min(60_000, (this.deps.retryDelayMs ?? 5_000) * attempt);
    this.deps.log(`strategy of ${deploymentId}: ${why}; trying again in ${Math.round(delay / 1000)} s (attempt ${attempt + 1})`);
    const handle = setTimeout(() => {
      this.retries.delete(handle);
      // 'retry': the run's end is reported by the event that ends it, never by a retry that finds it over.
      void this.act(deploymentId, 'retry').catch((error: unknown) => this.deps.log(`strategy of ${deploymentId}: ${message(error)}`));
    }, delay);
    handle.unref();
    this.retries.add(handle);
  }

  /** The run is over: the deployment's lane learns how it ended (keys make a repeat a no-op). */
  private async finish(run: StrategyRun): Promise<void> {
    const deployment = laneDeployment(run);
    switch (run.status) {
      case 'completed':
        return this.deps.report({ deployment }, { status: 'completed' });
      case 'failed':
        return this.deps.report({ deployment }, { status: 'failed', error: `${run.strategy.name} strategy failed: ${run.abort?.reason ?? 'aborted'}` });
      case 'aborted':
        return this.deps.report({ deployment }, { status: 'aborted' });
      default:
        return; // paused between steps: nothing to do until an operator resumes
    }
  }

  private async recordProbe(run: StrategyRun): Promise<void> {
    const { healthy, detail } = await this.deps.probe(run);
    // No idempotency key: each probe is a new observation (the decider records only failures and recoveries).
    await this.deps.strategies.execute({ type: 'RecordHealth', data: { ...onRun(run), healthy, detail } }, meta(run));
  }

  /** Probes health while a step is observed, until the run moves on (or this replica stops being the active one). */
  private startProbing(run: StrategyRun): void {
    const id = run.deployment_id;
    if (!this.active || this.probing.has(id)) return;
    const tick = async (): Promise<void> => {
      const { run: current } = await this.deps.strategies.state(id);
      if (!current || current.next.kind !== 'wait' || !current.next.check_health) return this.stopProbing(id);
      await this.recordProbe(current);
    };
    const schedule = (seconds: number) => {
      const handle = setTimeout(() => {
        void tick()
          .catch((error: unknown) => {
            if (!(error instanceof DomainError)) this.deps.log(`strategy of ${id}: health probe not recorded: ${message(error)}`);
          })
          .finally(() => {
            if (this.probing.get(id) === handle) schedule(seconds);
          });
      }, seconds * 1000);
      handle.unref();
      this.probing.set(id, handle);
    };
    schedule(probePeriodSeconds(run));
  }

  private stopProbing(deploymentId: string): void {
    clearTimeout(this.probing.get(deploymentId));
    this.probing.delete(deploymentId);
  }
}
