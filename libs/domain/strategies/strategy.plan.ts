import { assertNever } from '../shared/assert-never';
import { MAX_STRATEGY_STEPS, type StrategyConfig } from './strategy.config';

/**
 * - `stage`: bring the new version up beside the stable one with no traffic (blue-green's green);
 * - `traffic`: give the new version `traffic_percent` of the traffic (canary);
 * - `switch`: move all traffic at once (blue-green's switch, direct);
 * - `batch`: replace the next batch of instances (rolling).
 */
export type StepKind = 'stage' | 'traffic' | 'switch' | 'batch';

/** Rolling batch `number` of `of` (1-based): `size` instances replaced, `updated` of `total` on the new version after it. */
export type RollingBatch = { number: number; of: number; size: number; updated: number; total: number };

/**
 * One executor run. `traffic_percent` is the share the new version has once the step is done (for rolling: the
 * share of instances updated, rounded down; the last step is always 100). `wait_seconds_after`: how long the
 * new weight is observed (health-checked) before the next step is due; 0 for the last step.
 */
export type StrategyStep = {
  index: number;
  kind: StepKind;
  traffic_percent: number;
  batch?: RollingBatch;
  wait_seconds_after: number;
};

/** Keeps canary weights like 0.1 + 0.2 exact enough to print. */
const tidy = (percent: number): number => Math.round(percent * 1e6) / 1e6;

/** initial, initial + increment, … capped at 100; the last weight is always 100 and there are at most MAX_STRATEGY_STEPS. */
const canaryWeights = (initial: number, increment: number): number[] => {
  const weights: number[] = [];
  for (let k = 0; ; k += 1) {
    // A non-positive increment never comes out of parseStrategy; if one slips through, the step after the first is 100.
    const weight = increment > 0 || k === 0 ? Math.min(100, tidy(initial + k * Math.max(0, increment))) : 100;
    const capped = weights.length === MAX_STRATEGY_STEPS - 1 ? 100 : weight;
    weights.push(capped);
    if (capped >= 100) return weights;
  }
};

const rollingBatches = (total: number, perBatch: number): RollingBatch[] => {
  const size = Math.max(1, Math.min(total, perBatch));
  const of = Math.ceil(total / size);
  return Array.from({ length: of }, (_, i) => {
    const updated = Math.min(total, (i + 1) * size);
    return { number: i + 1, of, size: updated - i * size, updated, total };
  });
};

/** Last step waits 0: once it is done the strategy is complete. */
const numbered = (steps: Omit<StrategyStep, 'index'>[]): StrategyStep[] =>
  steps.map((step, index) => ({ ...step, index, wait_seconds_after: index === steps.length - 1 ? 0 : step.wait_seconds_after }));

/** The ordered steps of a strategy; every plan ends with the new version at 100 %. */
export const planSteps = (strategy: StrategyConfig): StrategyStep[] => {
  switch (strategy.name) {
    case 'direct':
      return numbered([{ kind: 'switch', traffic_percent: 100, wait_seconds_after: 0 }]);
    case 'canary':
      return numbered(canaryWeights(strategy.initial_percentage, strategy.increment).map((weight) => ({ kind: 'traffic', traffic_percent: weight, wait_seconds_after: strategy.interval })));
    case 'blue_green':
      return numbered([
        { kind: 'stage', traffic_percent: 0, wait_seconds_after: strategy.switch_delay },
        { kind: 'switch', traffic_percent: 100, wait_seconds_after: 0 },
      ]);
    case 'rolling':
      return numbered(
        rollingBatches(strategy.instances, strategy.max_surge + strategy.max_unavailable).map((batch) => ({
          kind: 'batch',
          traffic_percent: batch.updated === batch.total ? 100 : Math.floor((batch.updated * 100) / batch.total),
          batch,
          wait_seconds_after: strategy.batch_interval,
        })),
      );
    default:
      return assertNever(strategy);
  }
};
