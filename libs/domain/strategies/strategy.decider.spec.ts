import { specFor, type Decider } from '../../testing/given-when-then';
import { DeploymentFinished, DeploymentNotFound } from '../deployments/lane.errors';
import type { StrategyCommand } from './strategy.commands';
import type { BlueGreenStrategy, CanaryStrategy, RollingStrategy, StrategyConfig } from './strategy.config';
import { decideStrategy, evolveStrategy, initialStrategyState, type StrategyContext, type StrategyState } from './strategy.decider';
import type { AbortCause, StrategyEvent } from './strategy.events';
import { planSteps } from './strategy.plan';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
/** Seconds after T0, as the ISO instant events carry. */
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const decider: Decider<StrategyCommand, StrategyEvent, StrategyState, StrategyContext> = { decide: decideStrategy, evolve: evolveStrategy, initialState: initialStrategyState };
/** given(…).when(…) with the clock at `seconds` after T0. */
const givenAt = (seconds: number) => specFor(decider, () => ({ now: new Date(at(seconds)) }));
const given = givenAt(0);
const fold = (events: StrategyEvent[]): StrategyState => events.reduce(evolveStrategy, initialStrategyState);
const runOf = (events: StrategyEvent[]) => {
  const { run } = fold(events);
  if (!run) throw new Error('no run');
  return run;
};

const CANARY: CanaryStrategy = { name: 'canary', initial_percentage: 10, increment: 10, interval: 300, health_check_url: 'https://api.example/health', max_failed_checks: 2 };
const BLUE_GREEN: BlueGreenStrategy = { name: 'blue_green', switch_delay: 60, health_check_url: 'https://green.api.example/health', max_failed_checks: 1 };
const ROLLING: RollingStrategy = { name: 'rolling', instances: 4, max_surge: 1, max_unavailable: 0, batch_interval: 30, health_check: { path: '/health', interval: 30, timeout: 5 }, max_failed_checks: 1 };

const on = { product: 'api', environment: 'prod', deployment_id: 'd-1' };

// Commands
const startWith = (strategy: StrategyConfig): StrategyCommand => ({ type: 'StartStrategy', data: { ...on, version: '2.0.0', strategy } });
const due = (step_index: number): StrategyCommand => ({ type: 'StepDue', data: { ...on, step_index } });
const stepOk = (step_index: number): StrategyCommand => ({ type: 'RecordStepResult', data: { ...on, step_index, ok: true } });
const stepFailed = (step_index: number, detail: string): StrategyCommand => ({ type: 'RecordStepResult', data: { ...on, step_index, ok: false, detail } });
const health = (healthy: boolean, detail = healthy ? '200 OK' : '503 Service Unavailable'): StrategyCommand => ({ type: 'RecordHealth', data: { ...on, healthy, detail } });
const rolledBackByExecutor: StrategyCommand = { type: 'RecordTrafficRollback', data: on };
const pause: StrategyCommand = { type: 'PauseStrategy', data: on };
const resume: StrategyCommand = { type: 'ResumeStrategy', data: on };
const promote: StrategyCommand = { type: 'PromoteNow', data: on };
const abort = (reason?: string): StrategyCommand => ({ type: 'AbortStrategy', data: { ...on, ...(reason ? { reason } : {}) } });

// Events
const facts = (strategy: StrategyConfig, seconds: number) => ({ ...on, version: '2.0.0', occurred_at: at(seconds), strategy: strategy.name });
const stepOf = (strategy: StrategyConfig, index: number) => {
  const plan = planSteps(strategy);
  const step = plan[index];
  if (!step) throw new Error(`no step ${index}`);
  return { step_index: index, step_count: plan.length, kind: step.kind, traffic_percent: step.traffic_percent, ...(step.batch ? { batch: step.batch } : {}) };
};
const strategyStarted = (strategy: StrategyConfig, seconds = 0): StrategyEvent => ({
  type: 'deployment.strategy_started',
  data: { ...facts(strategy, seconds), config: strategy, plan: planSteps(strategy) },
});
const stepStarted = (strategy: StrategyConfig, index: number, seconds: number, promoted = false): StrategyEvent => ({
  type: 'deployment.step_started',
  data: { ...facts(strategy, seconds), ...stepOf(strategy, index), ...(promoted ? { promoted: true as const } : {}) },
});
const stepCompleted = (strategy: StrategyConfig, index: number, seconds: number, nextDue?: number): StrategyEvent => ({
  type: 'deployment.step_completed',
  data: { ...facts(strategy, seconds), ...stepOf(strategy, index), ...(nextDue === undefined ? {} : { next_step_due_at: at(nextDue) }) },
});
const healthChanged = (strategy: StrategyConfig, seconds: number, step_index: number, healthy: boolean, failed_checks: number): StrategyEvent => ({
  type: 'deployment.health_changed',
  data: { ...facts(strategy, seconds), step_index, healthy, detail: healthy ? '200 OK' : '503 Service Unavailable', failed_checks },
});
const aborted = (strategy: StrategyConfig, seconds: number, cause: AbortCause, reason: string, step_index: number, traffic_percent: number): StrategyEvent => ({
  type: 'deployment.strategy_aborted',
  data: { ...facts(strategy, seconds), cause, reason, step_index, traffic_percent },
});
const trafficRolledBack = (strategy: StrategyConfig, seconds: number, from_percent: number, outcome: 'failed' | 'aborted'): StrategyEvent => ({
  type: 'deployment.traffic_rolled_back',
  data: { ...facts(strategy, seconds), from_percent, traffic_percent: 0, outcome },
});
const paused = (strategy: StrategyConfig, seconds: number, step_index: number): StrategyEvent => ({ type: 'deployment.strategy_paused', data: { ...facts(strategy, seconds), step_index } });
const resumed = (strategy: StrategyConfig, seconds: number, step_index: number, nextDue?: number): StrategyEvent => ({
  type: 'deployment.strategy_resumed',
  data: { ...facts(strategy, seconds), step_index, ...(nextDue === undefined ? {} : { next_step_due_at: at(nextDue) }) },
});
const promoted = (strategy: StrategyConfig, seconds: number, from_step_index: number, to_step_index: number): StrategyEvent => ({
  type: 'deployment.strategy_promoted',
  data: { ...facts(strategy, seconds), from_step_index, to_step_index },
});
const strategyCompleted = (strategy: StrategyConfig, seconds: number, duration_seconds = seconds): StrategyEvent => ({
  type: 'deployment.strategy_completed',
  data: { ...facts(strategy, seconds), step_count: planSteps(strategy).length, traffic_percent: 100, duration_seconds },
});

/** A canary at 10 % (started at 0, done at 5 s), waiting for 20 % at 305 s. */
const canaryAt10 = [strategyStarted(CANARY), stepStarted(CANARY, 0, 0), stepCompleted(CANARY, 0, 5, 305)];
/** …then at 20 % (started at 305, done at 310), waiting for 30 % at 610 s. */
const canaryAt20 = [...canaryAt10, stepStarted(CANARY, 1, 305), stepCompleted(CANARY, 1, 310, 610)];

/**
 * Plays the application-layer saga against the decider with a manual clock: runs every step (each takes 5 s),
 * lets every timer fire on time, probes health (answering `healthy(stepIndex)`) before each due step, and
 * reports rollbacks as done. Returns every event recorded.
 */
const playSaga = (strategy: StrategyConfig, healthy: (stepIndex: number) => boolean = () => true): StrategyEvent[] => {
  const events: StrategyEvent[] = [];
  let now = T0;
  const send = (command: StrategyCommand) => events.push(...decideStrategy(command, fold(events), { now: new Date(now) }));
  send(startWith(strategy));
  for (let turn = 0; turn < 1_000; turn += 1) {
    const { next } = runOf(events);
    switch (next.kind) {
      case 'run_step':
        now += 5_000;
        send(stepOk(next.step.index));
        break;
      case 'wait':
        now = Math.max(now, Date.parse(next.due_at));
        if (next.check_health) send(health(healthy(next.step.index)));
        send(due(next.step.index));
        break;
      case 'rollback_traffic':
        now += 5_000;
        send(rolledBackByExecutor);
        break;
      case 'none':
        return events;
    }
  }
  throw new Error('the saga never finished');
};
const stepsStarted = (events: StrategyEvent[]) => events.flatMap((e) => (e.type === 'deployment.step_started' ? [e.data] : []));

describe('strategy decider', () => {
  describe('canary', () => {
    it('plans the run and starts the first step at once', () =>
      given().when(startWith(CANARY)).thenEmits(strategyStarted(CANARY), stepStarted(CANARY, 0, 0)));

    it('moves traffic 10 → 20 → … → 100 % every interval, then completes', () => {
      const events = playSaga(CANARY);
      expect(stepsStarted(events).map((s) => s.traffic_percent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(stepsStarted(events).map((s) => s.occurred_at)).toEqual([0, 305, 610, 915, 1220, 1525, 1830, 2135, 2440, 2745].map(at));
      expect(events.at(-1)).toEqual(strategyCompleted(CANARY, 2750));
      expect(runOf(events)).toMatchObject({ status: 'completed', traffic_percent: 100, step_index: 9, next: { kind: 'none' }, finished_at: at(2750) });
    });

    it('completes a step and waits the interval for the next one', () =>
      givenAt(5)(strategyStarted(CANARY), stepStarted(CANARY, 0, 0))
        .when(stepOk(0))
        .thenEmits(stepCompleted(CANARY, 0, 5, 305)));

    it('tells the saga to wait on a durable timer, probing health', () =>
      expect(runOf(canaryAt10)).toMatchObject({
        status: 'running',
        step_index: 0,
        traffic_percent: 10,
        next: { kind: 'wait', step: { index: 1, traffic_percent: 20 }, due_at: at(305), timer_key: 'strategy:d-1:step-1', check_health: true },
      }));

    it('starts the next step when its timer fires', () => givenAt(305)(...canaryAt10).when(due(1)).thenEmits(stepStarted(CANARY, 1, 305)));

    it('resumes at the right step and time after a restart (the state is the events)', () =>
      expect(runOf(canaryAt20).next).toMatchObject({ kind: 'wait', step: { index: 2, traffic_percent: 30 }, due_at: at(610) }));

    it('ignores a timer that fires early, twice, or for another step', () => {
      givenAt(304)(...canaryAt10).when(due(1)).thenNothing();
      givenAt(400)(...canaryAt10).when(due(2)).thenNothing();
      givenAt(400)(...canaryAt10, stepStarted(CANARY, 1, 305)).when(due(1)).thenNothing();
    });

    it('ignores a repeated start and a repeated step result', () => {
      given(...canaryAt10).when(startWith(CANARY)).thenNothing();
      givenAt(6)(...canaryAt10).when(stepOk(0)).thenNothing();
    });
  });

  describe('health gate', () => {
    it('records a failed check and holds the next step while health fails', () => {
      givenAt(100)(...canaryAt10).when(health(false)).thenEmits(healthChanged(CANARY, 100, 0, false, 1));
      givenAt(305)(...canaryAt10, healthChanged(CANARY, 100, 0, false, 1)).when(due(1)).thenNothing();
    });

    it('starts the held step as soon as health recovers after its due time', () =>
      givenAt(330)(...canaryAt10, healthChanged(CANARY, 100, 0, false, 1))
        .when(health(true))
        .thenEmits(healthChanged(CANARY, 330, 0, true, 0), stepStarted(CANARY, 1, 330)));

    it('records recovery before the due time without starting the step', () =>
      givenAt(200)(...canaryAt10, healthChanged(CANARY, 100, 0, false, 1)).when(health(true)).thenEmits(healthChanged(CANARY, 200, 0, true, 0)));

    it('records health when it is first known, and not again while it stays healthy', () => {
      givenAt(100)(...canaryAt10).when(health(true)).thenEmits(healthChanged(CANARY, 100, 0, true, 0));
      givenAt(200)(...canaryAt10, healthChanged(CANARY, 100, 0, true, 0)).when(health(true)).thenNothing();
    });

    it('aborts after max_failed_checks failures in a row and rolls the traffic back', () =>
      givenAt(400)(...canaryAt20, healthChanged(CANARY, 350, 1, false, 1))
        .when(health(false))
        .thenEmits(healthChanged(CANARY, 400, 1, false, 2), aborted(CANARY, 400, 'health_check', 'health check failed 2 times in a row: 503 Service Unavailable', 1, 20)));

    it('counts only consecutive failures', () =>
      givenAt(400)(...canaryAt20, healthChanged(CANARY, 350, 1, false, 1), healthChanged(CANARY, 370, 1, true, 0))
        .when(health(false))
        .thenEmits(healthChanged(CANARY, 400, 1, false, 1)));

    it('is rolling back until the executor has restored the stable version, then failed', () => {
      const abortedRun = [...canaryAt20, aborted(CANARY, 400, 'health_check', 'health check failed', 1, 20)];
      expect(runOf(abortedRun)).toMatchObject({ status: 'rolling_back', next: { kind: 'rollback_traffic', from_percent: 20 } });
      givenAt(410)(...abortedRun).when(rolledBackByExecutor).thenEmits(trafficRolledBack(CANARY, 410, 20, 'failed'));
      const over = [...abortedRun, trafficRolledBack(CANARY, 410, 20, 'failed')];
      expect(runOf(over)).toMatchObject({ status: 'failed', traffic_percent: 0, next: { kind: 'none' }, finished_at: at(410) });
      givenAt(420)(...over).when(rolledBackByExecutor).thenNothing();
      givenAt(420)(...over).when(health(false)).thenNothing();
    });

    it('ends a whole canary failed when health fails mid-way', () => {
      const events = playSaga({ ...CANARY, max_failed_checks: 1 }, (index) => index < 3);
      expect(stepsStarted(events).map((s) => s.traffic_percent)).toEqual([10, 20, 30]);
      expect(events.map((e) => e.type).slice(-3)).toEqual(['deployment.health_changed', 'deployment.strategy_aborted', 'deployment.traffic_rolled_back']);
      expect(runOf(events)).toMatchObject({ status: 'failed', traffic_percent: 0 });
    });

    it('counts failed checks while paused too', () =>
      givenAt(400)(...canaryAt10, paused(CANARY, 100, 0), healthChanged(CANARY, 200, 0, false, 1))
        .when(health(false))
        .thenEmits(healthChanged(CANARY, 400, 0, false, 2), aborted(CANARY, 400, 'health_check', 'health check failed 2 times in a row: 503 Service Unavailable', 0, 10)));
  });

  describe('step failures', () => {
    it('aborts when the executor hook fails a step, rolling back from that step’s weight', () =>
      givenAt(320)(...canaryAt10, stepStarted(CANARY, 1, 305))
        .when(stepFailed(1, 'exit code 1'))
        .thenEmits(aborted(CANARY, 320, 'step_failed', 'step 2 of 10 failed: exit code 1', 1, 20)));

    it('ignores the result of a step that is not in flight', () => givenAt(320)(...canaryAt10).when(stepFailed(1, 'late')).thenNothing());
  });

  describe('pause and resume', () => {
    it('pauses a running strategy, once', () => {
      givenAt(100)(...canaryAt10).when(pause).thenEmits(paused(CANARY, 100, 0));
      givenAt(200)(...canaryAt10, paused(CANARY, 100, 0)).when(pause).thenNothing();
    });

    it('holds at the current weight: no timer, and a firing timer starts nothing', () => {
      expect(runOf([...canaryAt10, paused(CANARY, 100, 0)])).toMatchObject({ status: 'paused', traffic_percent: 10, next: { kind: 'none' } });
      givenAt(305)(...canaryAt10, paused(CANARY, 100, 0)).when(due(1)).thenNothing();
    });

    it('lets the step in flight finish while paused, then holds', () => {
      const pausedMidStep = [...canaryAt10, stepStarted(CANARY, 1, 305), paused(CANARY, 306, 1)];
      expect(runOf(pausedMidStep).next).toMatchObject({ kind: 'run_step', step: { index: 1 } });
      givenAt(310)(...pausedMidStep).when(stepOk(1)).thenEmits(stepCompleted(CANARY, 1, 310, 610));
      expect(runOf([...pausedMidStep, stepCompleted(CANARY, 1, 310, 610)]).next).toEqual({ kind: 'none' });
    });

    it('resumed before the due time, waits for it on a new timer', () => {
      const history = [...canaryAt10, paused(CANARY, 100, 0)];
      givenAt(200)(...history).when(resume).thenEmits(resumed(CANARY, 200, 0, 305));
      expect(runOf([...history, resumed(CANARY, 200, 0, 305)]).next).toMatchObject({ kind: 'wait', due_at: at(305), timer_key: 'strategy:d-1:step-1:resume-1' });
    });

    it('resumed after the due time, starts the next step at once', () =>
      givenAt(900)(...canaryAt10, paused(CANARY, 100, 0))
        .when(resume)
        .thenEmits(resumed(CANARY, 900, 0, 900), stepStarted(CANARY, 1, 900)));

    it('treats resuming a running strategy as a no-op', () => givenAt(100)(...canaryAt10).when(resume).thenNothing());
  });

  describe('promote-now', () => {
    it('skips the remaining steps and goes to 100 %', () =>
      givenAt(400)(...canaryAt20)
        .when(promote)
        .thenEmits(promoted(CANARY, 400, 1, 9), stepStarted(CANARY, 9, 400, true)));

    it('lets the step in flight finish, then goes straight to 100 %', () => {
      const inFlight = [...canaryAt20, stepStarted(CANARY, 2, 610)];
      givenAt(612)(...inFlight).when(promote).thenEmits(promoted(CANARY, 612, 2, 9));
      givenAt(615)(...inFlight, promoted(CANARY, 612, 2, 9))
        .when(stepOk(2))
        .thenEmits(stepCompleted(CANARY, 2, 615, 615), stepStarted(CANARY, 9, 615, true));
      givenAt(616)(...inFlight, promoted(CANARY, 612, 2, 9)).when(promote).thenNothing();
    });

    it('resumes a paused strategy', () =>
      givenAt(400)(...canaryAt20, paused(CANARY, 350, 1))
        .when(promote)
        .thenEmits(promoted(CANARY, 400, 1, 9), stepStarted(CANARY, 9, 400, true)));

    it('completes once the last step is done', () =>
      givenAt(410)(...canaryAt20, promoted(CANARY, 400, 1, 9), stepStarted(CANARY, 9, 400, true))
        .when(stepOk(9))
        .thenEmits(stepCompleted(CANARY, 9, 410), strategyCompleted(CANARY, 410)));

    it('has nothing to skip at the last step', () => givenAt(410)(...canaryAt20, promoted(CANARY, 400, 1, 9), stepStarted(CANARY, 9, 400, true)).when(promote).thenNothing());
  });

  describe('abort', () => {
    it('stops and rolls traffic back from the weight in flight', () =>
      givenAt(612)(...canaryAt20, stepStarted(CANARY, 2, 610))
        .when(abort('bad metrics'))
        .thenEmits(aborted(CANARY, 612, 'operator', 'bad metrics', 2, 30)));

    it('ends as aborted (not failed) once the traffic is back', () => {
      const history = [...canaryAt20, aborted(CANARY, 400, 'operator', 'aborted by an operator', 1, 20)];
      givenAt(410)(...history).when(rolledBackByExecutor).thenEmits(trafficRolledBack(CANARY, 410, 20, 'aborted'));
      expect(runOf([...history, trafficRolledBack(CANARY, 410, 20, 'aborted')])).toMatchObject({ status: 'aborted', traffic_percent: 0 });
    });

    it('aborts a paused strategy', () =>
      givenAt(400)(...canaryAt20, paused(CANARY, 350, 1)).when(abort()).thenEmits(aborted(CANARY, 400, 'operator', 'aborted by an operator', 1, 20)));

    it('treats a second abort as a no-op, and ignores what the saga reports afterwards', () => {
      const history = [...canaryAt20, stepStarted(CANARY, 2, 610), aborted(CANARY, 612, 'operator', 'stop', 2, 30)];
      givenAt(613)(...history).when(abort()).thenNothing();
      givenAt(613)(...history).when(stepOk(2)).thenNothing();
      givenAt(9_999)(...history).when(due(3)).thenNothing();
      givenAt(9_999)(...history, trafficRolledBack(CANARY, 620, 30, 'aborted')).when(abort()).thenNothing();
    });
  });

  describe('operator commands on a run that is over or unknown', () => {
    const completed = [...canaryAt20, promoted(CANARY, 400, 1, 9), stepStarted(CANARY, 9, 400, true), stepCompleted(CANARY, 9, 410), strategyCompleted(CANARY, 410)];
    const rollingBack = [...canaryAt20, aborted(CANARY, 400, 'health_check', 'health check failed', 1, 20)];

    it('refuses to steer a completed run', () => {
      for (const command of [pause, resume, promote, abort()]) givenAt(500)(...completed).when(command).thenFails(DeploymentFinished, /already ended as "completed"/);
    });

    it('refuses to pause, resume or promote a run that is rolling back or failed', () => {
      for (const command of [pause, resume, promote]) givenAt(500)(...rollingBack).when(command).thenFails(DeploymentFinished);
      givenAt(500)(...rollingBack, trafficRolledBack(CANARY, 410, 20, 'failed')).when(abort()).thenFails(DeploymentFinished, /"failed"/);
    });

    it('refuses a deployment without a strategy run', () => {
      given().when(pause).thenFails(DeploymentNotFound, /lane-api@prod/);
      given(...canaryAt10).when({ type: 'AbortStrategy', data: { ...on, deployment_id: 'd-2' } }).thenFails(DeploymentNotFound);
    });

    it('ignores saga reports for a run that never started', () => {
      given().when(due(0)).thenNothing();
      given().when(stepOk(0)).thenNothing();
      given().when(health(false)).thenNothing();
      given().when(rolledBackByExecutor).thenNothing();
    });

    it('folds only the events of its own deployment', () => {
      const other: StrategyEvent = { ...stepStarted(CANARY, 5, 100), data: { ...stepStarted(CANARY, 5, 100).data, deployment_id: 'd-2' } } as StrategyEvent;
      expect(runOf([...canaryAt10, other])).toEqual(runOf(canaryAt10));
    });
  });

  describe('blue-green', () => {
    it('stages green without traffic first', () =>
      given().when(startWith(BLUE_GREEN)).thenEmits(strategyStarted(BLUE_GREEN), { ...stepStarted(BLUE_GREEN, 0, 0) }));

    const staged = [strategyStarted(BLUE_GREEN), stepStarted(BLUE_GREEN, 0, 0), stepCompleted(BLUE_GREEN, 0, 10, 70)];

    it('waits switch_delay after staging, probing green', () =>
      expect(runOf(staged).next).toEqual({ kind: 'wait', step: planSteps(BLUE_GREEN)[1], due_at: at(70), timer_key: 'strategy:d-1:step-1', check_health: true }));

    it('switches all traffic when the delay has passed, not before', () => {
      givenAt(69)(...staged).when(due(1)).thenNothing();
      givenAt(70)(...staged).when(due(1)).thenEmits(stepStarted(BLUE_GREEN, 1, 70));
    });

    it('plays through: stage, wait, switch, complete', () => {
      const events = playSaga(BLUE_GREEN);
      expect(stepsStarted(events).map((s) => [s.kind, s.traffic_percent, s.occurred_at])).toEqual([
        ['stage', 0, at(0)],
        ['switch', 100, at(65)],
      ]);
      expect(events.at(-1)).toEqual(strategyCompleted(BLUE_GREEN, 70));
    });

    it('aborts before the switch when the pre-switch health check fails, and tears green down', () => {
      givenAt(30)(...staged)
        .when(health(false))
        .thenEmits(healthChanged(BLUE_GREEN, 30, 0, false, 1), aborted(BLUE_GREEN, 30, 'health_check', 'health check failed 1 time in a row: 503 Service Unavailable', 0, 0));
      const events = playSaga(BLUE_GREEN, () => false);
      expect(stepsStarted(events).map((s) => s.kind)).toEqual(['stage']);
      expect(events.at(-1)).toEqual(trafficRolledBack(BLUE_GREEN, 70, 0, 'failed'));
    });

    it('switches at once with the default switch_delay of 0 once green is healthy', () => {
      const immediate: BlueGreenStrategy = { ...BLUE_GREEN, switch_delay: 0 };
      const events = playSaga(immediate);
      expect(stepsStarted(events).map((s) => s.occurred_at)).toEqual([at(0), at(5)]);
    });
  });

  describe('rolling', () => {
    it('replaces instances batch by batch, batch_interval apart', () => {
      const events = playSaga(ROLLING);
      expect(stepsStarted(events).map((s) => [s.batch?.number, s.batch?.updated, s.traffic_percent, s.occurred_at])).toEqual([
        [1, 1, 25, at(0)],
        [2, 2, 50, at(35)],
        [3, 3, 75, at(70)],
        [4, 4, 100, at(105)],
      ]);
      expect(events.at(-1)).toEqual(strategyCompleted(ROLLING, 110));
    });

    it('carries the batch in the step events for the executor hook', () =>
      given().when(startWith(ROLLING)).thenEmits(strategyStarted(ROLLING), stepStarted(ROLLING, 0, 0)));

    it('rolls back when a batch turns unhealthy', () => {
      const events = playSaga(ROLLING, (index) => index < 2);
      expect(stepsStarted(events).map((s) => s.batch?.number)).toEqual([1, 2]);
      expect(events.filter((e) => e.type === 'deployment.strategy_aborted')).toEqual([
        aborted(ROLLING, 70, 'health_check', 'health check failed 1 time in a row: 503 Service Unavailable', 1, 50),
      ]);
      expect(runOf(events)).toMatchObject({ status: 'failed' });
    });

    it('does not probe health when none is configured', () => {
      const { health_check: _none, ...bare } = ROLLING;
      expect(runOf([strategyStarted(bare), stepStarted(bare, 0, 0), stepCompleted(bare, 0, 5, 35)]).next).toMatchObject({ kind: 'wait', check_health: false });
    });
  });

  describe('direct', () => {
    it('runs one step to 100 % and completes', () => {
      const direct: StrategyConfig = { name: 'direct' };
      given().when(startWith(direct)).thenEmits(strategyStarted(direct), stepStarted(direct, 0, 0));
      givenAt(12)(strategyStarted(direct), stepStarted(direct, 0, 0))
        .when(stepOk(0))
        .thenEmits(stepCompleted(direct, 0, 12), strategyCompleted(direct, 12));
    });
  });
});
