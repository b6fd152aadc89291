import type { LaneFacts } from '../deployments/lane.events';
import type { DomainEvent } from '../shared/event';
import type { StrategyConfig, StrategyName } from './strategy.config';
import type { RollingBatch, StepKind, StrategyStep } from './strategy.plan';

/**
 * Events of one strategy run (one deployment). Every payload carries the lane facts (so projections over any
 * stream can place it) and the strategy name. All types are at schema version 1 (see libs/event-store/upcasters).
 */
export type StrategyFacts = LaneFacts & { strategy: StrategyName };

/** The step a `step_started`/`step_completed` is about: what the executor hook gets as SHIPLOG_STEP, SHIPLOG_TRAFFIC_PERCENT, … */
export type StepFacts = StrategyFacts & { step_index: number; step_count: number; kind: StepKind; traffic_percent: number; batch?: RollingBatch };

/** Why a run was aborted: an operator, a failed health gate, or an executor hook that failed a step. */
export type AbortCause = 'operator' | 'health_check' | 'step_failed';

/** Terminal outcome of an aborted run: `failed` unless an operator aborted it. */
export type AbortOutcome = 'failed' | 'aborted';

export type StrategyStarted = DomainEvent<'deployment.strategy_started', StrategyFacts & { config: StrategyConfig; plan: StrategyStep[] }>;
/** `promoted`: started by promote-now, skipping the steps in between. */
export type StepStarted = DomainEvent<'deployment.step_started', StepFacts & { promoted?: true }>;
/** `next_step_due_at`: when the next step is due (absent after the last step). */
export type StepCompleted = DomainEvent<'deployment.step_completed', StepFacts & { detail?: string; next_step_due_at?: string }>;
/** Recorded on every failed check (counting `failed_checks` in a row) and when health recovers, not on every healthy probe. */
export type HealthChanged = DomainEvent<'deployment.health_changed', StrategyFacts & { step_index: number; healthy: boolean; detail: string; failed_checks: number }>;
export type StrategyPaused = DomainEvent<'deployment.strategy_paused', StrategyFacts & { step_index: number; reason?: string }>;
/** `next_step_due_at`: the due time of the step that waits (never earlier than the resume). */
export type StrategyResumed = DomainEvent<'deployment.strategy_resumed', StrategyFacts & { step_index: number; next_step_due_at?: string }>;
/** Promote-now: the remaining steps are skipped, the last one (100 %) runs next. */
export type StrategyPromoted = DomainEvent<'deployment.strategy_promoted', StrategyFacts & { from_step_index: number; to_step_index: number; reason?: string }>;
/**
 * The run stops; traffic goes back to the stable version (seed 004 status `rolling_back`) until the executor
 * reports the rollback done. `traffic_percent`: the most the new version may have (the weight of the step in flight).
 */
export type StrategyAborted = DomainEvent<'deployment.strategy_aborted', StrategyFacts & { cause: AbortCause; reason: string; step_index: number; traffic_percent: number }>;
/** The executor moved all traffic back to the stable version: the run ends as `outcome`. */
export type TrafficRolledBack = DomainEvent<'deployment.traffic_rolled_back', StrategyFacts & { from_percent: number; traffic_percent: 0; outcome: AbortOutcome; detail?: string }>;
export type StrategyCompleted = DomainEvent<'deployment.strategy_completed', StrategyFacts & { step_count: number; traffic_percent: 100; duration_seconds: number }>;

export type StrategyEvent =
  | StrategyStarted
  | StepStarted
  | StepCompleted
  | HealthChanged
  | StrategyPaused
  | StrategyResumed
  | StrategyPromoted
  | StrategyAborted
  | TrafficRolledBack
  | StrategyCompleted;

export type StrategyEventType = StrategyEvent['type'];

export const STRATEGY_EVENT_TYPES: readonly StrategyEventType[] = [
  'deployment.strategy_started',
  'deployment.step_started',
  'deployment.step_completed',
  'deployment.health_changed',
  'deployment.strategy_paused',
  'deployment.strategy_resumed',
  'deployment.strategy_promoted',
  'deployment.strategy_aborted',
  'deployment.traffic_rolled_back',
  'deployment.strategy_completed',
];

export const isStrategyEvent = (event: { type: string }): event is StrategyEvent => (STRATEGY_EVENT_TYPES as readonly string[]).includes(event.type);

/**
 * One stream per run keeps step and health chatter out of the lane's revisions (and out of evolveLane, whose
 * switch knows only lane events). Holding them in the lane stream instead works too: fold only the events
 * `isStrategyEvent` accepts, for the run's deployment_id.
 */
export const strategyStream = (deploymentId: string): string => `strategy-${deploymentId}`;
