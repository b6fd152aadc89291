import type { StrategyCommand } from '../../domain/strategies/strategy.commands';
import type { StrategyConfig } from '../../domain/strategies/strategy.config';
import { maxFailedChecks } from '../../domain/strategies/strategy.config';
import { decideStrategy, evolveStrategy, initialStrategyState, type StrategyState, type StrategyStatus } from '../../domain/strategies/strategy.decider';
import { strategyStream, type StrategyEvent } from '../../domain/strategies/strategy.events';
import type { RollingBatch, StepKind } from '../../domain/strategies/strategy.plan';
import type { Clock } from '../../domain/shared/time';
import type { EventStore, Recorded } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';

const STRATEGY = { initialState: initialStrategyState, evolve: evolveStrategy };

/** A step as an operator sees it: numbered from 1, with when it ran. */
export type StepView = {
  number: number;
  kind: StepKind;
  traffic_percent: number;
  batch: RollingBatch | null;
  status: 'pending' | 'running' | 'completed' | 'skipped' | 'failed';
  started_at: string | null;
  completed_at: string | null;
  detail: string | null;
};

/** `GET /api/v1/deployments/:id/status`: where a strategy run stands (seed 004 status vocabulary plus paused/aborted). */
export type StrategyView = {
  deployment_id: string;
  product: string;
  environment: string;
  version: string;
  strategy: StrategyConfig;
  status: StrategyStatus;
  /** The step started last (null before the first), and whether it is still running. */
  current_step: (StepView & { of: number }) | null;
  /** The share of traffic the new version has now. */
  traffic_percent: number;
  next_step_due_at: string | null;
  health: { healthy: boolean | null; failed_checks: number; max_failed_checks: number; detail: string | null; checked_at: string | null };
  promoted: boolean;
  abort: { cause: string; reason: string; from_percent: number } | null;
  started_at: string;
  finished_at: string | null;
  steps: StepView[];
};

/** Strategy runs: commands on `strategy-{deployment_id}` streams and the view of one, folded from its stream (runs are short). */
export class StrategyService {
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  execute(command: StrategyCommand, meta: CommandMeta) {
    return executeOnStream(this.store, this.cache, strategyStream(command.data.deployment_id), STRATEGY, (state) => decideStrategy(command, state, { now: this.clock.now() }), {
      ...meta,
      request: command,
    });
  }

  async state(deploymentId: string): Promise<StrategyState> {
    return (await loadStream(this.store, this.cache, strategyStream(deploymentId), STRATEGY)).state;
  }

  /** Null when the deployment has no strategy run (it deploys directly, or is not dispatched yet). */
  async view(deploymentId: string): Promise<StrategyView | null> {
    const { events } = await this.store.readStream(strategyStream(deploymentId));
    const recorded = events as unknown as Recorded<StrategyEvent>[];
    const { run } = recorded.reduce<StrategyState>(evolveStrategy, initialStrategyState);
    if (!run) return null;
    const steps: StepView[] = run.plan.map((step) => ({
      number: step.index + 1,
      kind: step.kind,
      traffic_percent: step.traffic_percent,
      batch: step.batch ?? null,
      status: 'pending',
      started_at: null,
      completed_at: null,
      detail: null,
    }));
    let health: StrategyView['health'] = { healthy: null, failed_checks: 0, max_failed_checks: maxFailedChecks(run.strategy), detail: null, checked_at: null };
    let abort: StrategyView['abort'] = null;
    for (const { data, type } of recorded) {
      switch (type) {
        case 'deployment.step_started':
          Object.assign(steps[data.step_index] ?? {}, { status: 'running', started_at: data.occurred_at });
          break;
        case 'deployment.step_completed':
          Object.assign(steps[data.step_index] ?? {}, { status: 'completed', completed_at: data.occurred_at, detail: data.detail ?? null });
          break;
        case 'deployment.health_changed':
          health = { ...health, healthy: data.healthy, failed_checks: data.failed_checks, detail: data.detail, checked_at: data.occurred_at };
          break;
        case 'deployment.strategy_aborted':
          abort = { cause: data.cause, reason: data.reason, from_percent: data.traffic_percent };
          if (steps[data.step_index]?.status === 'running') Object.assign(steps[data.step_index] ?? {}, { status: 'failed', completed_at: data.occurred_at });
          break;
        default:
          break;
      }
    }
    // Promote-now jumps to the last step: the ones it passed over never ran.
    if (run.promoted) for (const step of steps) if (step.status === 'pending' && step.number < steps.length) step.status = 'skipped';
    const current = steps[run.step_index];
    return {
      deployment_id: run.deployment_id,
      product: run.product,
      environment: run.environment,
      version: run.version,
      strategy: run.strategy,
      status: run.status,
      current_step: current ? { ...current, of: steps.length } : null,
      traffic_percent: run.traffic_percent,
      next_step_due_at: run.next.kind === 'wait' ? run.next.due_at : null,
      health,
      promoted: run.promoted,
      abort,
      started_at: run.started_at,
      finished_at: run.finished_at,
      steps,
    };
  }
}
