import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { laneStream } from '../../domain/deployments/lane.events';
import type { StrategyRun } from '../../domain/strategies/strategy.decider';
import type { StrategyStep } from '../../domain/strategies/strategy.plan';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import type { Outcome } from '../../executors/command-runner';
import { manualClock } from '../../testing/clock';
import { eventually } from '../../testing/eventually';
import { LaneWriter } from '../deployments/lane-writer';
import { ReactorRunner } from '../reactors/reactor';
import { TimerService } from '../timers/timer.service';
import { StrategySaga, type HookOutcome } from './strategy.saga';
import { StrategyService } from './strategy.service';

const T0 = '2026-11-23T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const LANE = { deployment_id: 'dep-1', product: 'api', environment: 'production', version: '2.0.0' };

/**
 * The strategy saga with real parts (SQLite store, durable timers, reactor subscriptions) and an injected clock:
 * waits are minutes of clock time that pass in an instant. The step hooks and the health probe are the
 * test's, so it sees exactly which steps ran when.
 */
describe('strategy saga (SQLite, injected clock)', () => {
  let dir: string;
  let store: SqliteEventStore;
  const clock = manualClock(T0);
  let hooks: string[];
  let reports: Outcome['status'][];
  let healthy: boolean;
  /** Steps whose hook never returns (the process dies with the server). */
  let hanging: Set<number>;
  /** Traffic rollbacks that fail before one works. */
  let failingRollbacks: number;
  /** Steps whose hook waits for the test to finish it; and the deployments whose hooks the saga stopped. */
  let held: Map<number, () => void>;
  let stopped: string[];
  let running: { saga: StrategySaga; timers: TimerService; runner: ReactorRunner } | null;

  const boot = async () => {
    const strategies = new StrategyService(store, clock);
    const timers = new TimerService(store, clock);
    const saga = new StrategySaga({
      store,
      strategies,
      lanes: new LaneWriter(store),
      report: async (_job, outcome) => void reports.push(outcome.status),
      timers,
      hooks: {
        runStep: (_run: StrategyRun, step: StrategyStep): Promise<HookOutcome> => {
          hooks.push(`step ${step.index + 1} ${step.traffic_percent}% at ${clock.now().toISOString()}`);
          if (hanging.has(step.index + 1)) return new Promise(() => undefined);
          const release = held.get(step.index + 1);
          if (release !== undefined) return new Promise((resolve) => held.set(step.index + 1, () => resolve({ ok: true })));
          return Promise.resolve({ ok: true });
        },
        rollbackTraffic: async (_run, from) => {
          hooks.push(`rollback from ${from}%`);
          if (failingRollbacks > 0) return (failingRollbacks -= 1), { ok: false, detail: 'load balancer API timed out' };
          return { ok: true };
        },
        stop: (deploymentId) => void stopped.push(deploymentId),
      },
      probe: async () => ({ healthy, detail: healthy ? 'answered 200' : 'answered 503' }),
      log: () => undefined,
      retryDelayMs: 20,
    });
    const runner = new ReactorRunner(store, [timers.reactor, saga.reactor]);
    await timers.start();
    await saga.start();
    runner.start();
    running = { saga, timers, runner };
    return { strategies };
  };
  const shutDown = async () => {
    if (!running) return;
    await running.runner.stop();
    running.saga.stop();
    running.timers.stop();
    running = null;
  };
  /** Every reactor caught up and no hook outcome still on its way: the store stayed still for three looks in a row. */
  const quiet = async () => {
    for (let still = 0; still < 3; ) {
      const head = await store.headPosition();
      await eventually(async () => expect((await running!.runner.status()).every((s) => s.backlog === 0)).toBe(true));
      await new Promise((resolve) => setTimeout(resolve, 30));
      still = (await store.headPosition()) === head ? still + 1 : 0;
    }
  };
  /** Clock time passes; the timer service re-arms (as after a restart), so timers that fell due fire now. */
  const advance = async (seconds: number) => {
    await quiet();
    clock.advance(seconds * 1000);
    running!.timers.stop();
    await running!.timers.start();
    await quiet();
  };
  const dispatch = async (strategy: object) => {
    await store.append(
      laneStream(LANE.product, LANE.environment),
      [
        { type: 'deployment.requested', data: { ...LANE, occurred_at: T0, kind: 'deploy', requested_by: 'alice', approvals_required: 0, config: { strategy } } },
        { type: 'deployment.dispatched', data: { ...LANE, occurred_at: T0, kind: 'deploy' } },
      ],
      { expectedRevision: 'any' },
    );
    await quiet();
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-strategy-saga-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.db'), clock });
    clock.set(T0);
    hooks = [];
    reports = [];
    healthy = true;
    hanging = new Set();
    failingRollbacks = 0;
    held = new Map();
    stopped = [];
    await boot();
  });
  afterEach(async () => {
    await shutDown();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs each canary step when its interval has passed on the clock, never before, then reports the deployment completed', async () => {
    await dispatch({ name: 'canary', initial_percentage: 10, increment: 45, interval: 300 });
    expect(hooks).toEqual([`step 1 10% at ${at(0)}`]);
    expect(reports).toEqual(['started']);

    await advance(299);
    expect(hooks).toHaveLength(1);
    await advance(1);
    expect(hooks).toEqual([`step 1 10% at ${at(0)}`, `step 2 55% at ${at(300)}`]);
    await advance(300);
    expect(hooks[2]).toBe(`step 3 100% at ${at(600)}`);
    await quiet();
    expect(reports).toEqual(['started', 'completed']);
  });

  it('probes health when a step falls due: a failure aborts the run, rolls traffic back and fails the deployment', async () => {
    await dispatch({ name: 'canary', initial_percentage: 20, increment: 40, interval: 60, health_check_url: 'http://canary.internal/health' });
    healthy = false;
    await advance(60);
    expect(hooks).toEqual([`step 1 20% at ${at(0)}`, 'rollback from 20%']);
    expect(reports).toEqual(['started', 'failed']);
  });

  it('after a restart mid-canary, the next step starts at its due time, and no step runs twice', async () => {
    await dispatch({ name: 'canary', initial_percentage: 50, increment: 50, interval: 300 });
    await shutDown();
    clock.advance(120 * 1000);
    await boot();
    await quiet();
    expect(hooks).toEqual([`step 1 50% at ${at(0)}`]);
    await advance(180);
    expect(hooks).toEqual([`step 1 50% at ${at(0)}`, `step 2 100% at ${at(300)}`]);
    await quiet();
    expect(reports).toEqual(['started', 'completed']);
  });

  it('a step whose process died with the server runs again after the restart', async () => {
    hanging.add(1);
    await dispatch({ name: 'blue_green', switch_delay: 30 });
    expect(hooks).toEqual([`step 1 0% at ${at(0)}`]);
    await shutDown();
    hanging.clear();
    clock.advance(5 * 1000);
    await boot();
    await quiet();
    expect(hooks).toEqual([`step 1 0% at ${at(0)}`, `step 1 0% at ${at(5)}`]);
    await advance(30);
    expect(hooks[2]).toBe(`step 2 100% at ${at(35)}`);
  });

  it('a pause holds a step that falls due; a resume after its due time starts it at once', async () => {
    const strategies = new StrategyService(store, clock);
    await dispatch({ name: 'rolling', instances: 3, max_surge: 1, batch_interval: 60 });
    const on = { product: LANE.product, environment: LANE.environment, deployment_id: LANE.deployment_id };
    const operator = { actor: { kind: 'token' as const, id: 'tok-1', name: 'alice' }, correlationId: 'c-1' };
    await strategies.execute({ type: 'PauseStrategy', data: { ...on, reason: 'watching' } }, operator);
    await advance(120);
    expect(hooks).toEqual([`step 1 33% at ${at(0)}`]);
    await strategies.execute({ type: 'ResumeStrategy', data: on }, operator);
    await quiet();
    expect(hooks).toEqual([`step 1 33% at ${at(0)}`, `step 2 66% at ${at(120)}`]);
    await advance(60);
    expect(hooks[2]).toBe(`step 3 100% at ${at(180)}`);
  });

  it('tries a failed traffic rollback again and ends the run only once one worked', async () => {
    failingRollbacks = 2;
    await dispatch({ name: 'canary', initial_percentage: 20, increment: 40, interval: 60, health_check_url: 'http://canary.internal/health' });
    healthy = false;
    await advance(60);
    await eventually(async () => expect(reports).toEqual(['started', 'failed']));
    expect(hooks).toEqual([`step 1 20% at ${at(0)}`, 'rollback from 20%', 'rollback from 20%', 'rollback from 20%']);
  });

  it('stops a run whose deployment the lane ended meanwhile (superseded by a rollback) and takes its traffic back', async () => {
    await dispatch({ name: 'canary', initial_percentage: 10, increment: 45, interval: 300 });
    await store.append(laneStream(LANE.product, LANE.environment), [{ type: 'deployment.aborted', data: { ...LANE, occurred_at: at(10), reason: 'superseded' } }], { expectedRevision: 'any' });
    await quiet();
    await advance(300);
    expect(hooks).toEqual([`step 1 10% at ${at(0)}`, 'rollback from 10%']);
    const { run } = await new StrategyService(store, clock).state(LANE.deployment_id);
    expect(run).toMatchObject({ status: 'aborted', traffic_percent: 0 });
  });

  it('stops a run whose deployment the lane ended while no replica ran the saga', async () => {
    await dispatch({ name: 'canary', initial_percentage: 10, increment: 45, interval: 300 });
    await shutDown();
    await store.append(laneStream(LANE.product, LANE.environment), [{ type: 'deployment.aborted', data: { ...LANE, occurred_at: at(10), reason: 'superseded' } }], { expectedRevision: 'any' });
    // Picked up at start: the run is not among this process's live runs when its reactor meets the lane's event.
    await boot();
    await quiet();
    expect(hooks).toEqual([`step 1 10% at ${at(0)}`, 'rollback from 10%']);
  });

  it('ends a deployment cancelled before its run started, without running anything', async () => {
    await shutDown();
    await store.append(
      laneStream(LANE.product, LANE.environment),
      [
        { type: 'deployment.requested', data: { ...LANE, occurred_at: T0, kind: 'deploy', requested_by: 'alice', approvals_required: 0, config: { strategy: { name: 'canary' } } } },
        { type: 'deployment.dispatched', data: { ...LANE, occurred_at: T0, kind: 'deploy' } },
        { type: 'deployment.cancel_requested', data: { ...LANE, occurred_at: T0, reason: 'wrong build' } },
      ],
      { expectedRevision: 'any' },
    );
    await boot();
    await quiet();
    expect(hooks).toEqual([]);
    expect(reports).toContain('aborted');
    expect(reports).not.toContain('started');
  });

  it('a replica that stands down stops its running hooks and drops their outcomes; the next active one runs the step', async () => {
    held.set(1, () => undefined);
    await dispatch({ name: 'blue_green', switch_delay: 30 });
    expect(hooks).toEqual([`step 1 0% at ${at(0)}`]);
    const demoted = running!.saga;
    await shutDown(); // demoted: its saga stops
    expect(stopped).toEqual([LANE.deployment_id]);
    held.get(1)!(); // the old process finishes anyway
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { run } = await new StrategyService(store, clock).state(LANE.deployment_id);
    expect(run).toMatchObject({ step_index: 0, step_done: false }); // its outcome was not recorded
    held.clear();
    await boot();
    await quiet();
    expect(hooks).toEqual([`step 1 0% at ${at(0)}`, `step 1 0% at ${at(0)}`]);
    expect(running!.saga).not.toBe(demoted);
  });
});
