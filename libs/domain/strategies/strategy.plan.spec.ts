import { parseStrategy, type StrategyConfig } from './strategy.config';
import { planSteps } from './strategy.plan';

const canary = (initial_percentage: number, increment: number, interval = 300): StrategyConfig => ({ name: 'canary', initial_percentage, increment, interval, max_failed_checks: 1 });
const rolling = (instances: number, max_surge: number, max_unavailable: number, batch_interval = 30): StrategyConfig => ({
  name: 'rolling',
  instances,
  max_surge,
  max_unavailable,
  batch_interval,
  max_failed_checks: 1,
});
const weights = (strategy: StrategyConfig) => planSteps(strategy).map((s) => s.traffic_percent);

describe('planSteps', () => {
  it('deploys directly in one step to 100 %', () => expect(planSteps({ name: 'direct' })).toEqual([{ index: 0, kind: 'switch', traffic_percent: 100, wait_seconds_after: 0 }]));

  it('moves a canary from the initial weight by the increment up to 100 %, waiting the interval after each step but the last', () => {
    const plan = planSteps(canary(10, 10));
    expect(plan.map((s) => s.traffic_percent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(plan.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plan.every((s) => s.kind === 'traffic')).toBe(true);
    expect(plan.map((s) => s.wait_seconds_after)).toEqual([300, 300, 300, 300, 300, 300, 300, 300, 300, 0]);
  });

  it('caps the last canary step at 100 %', () => {
    expect(weights(canary(25, 50))).toEqual([25, 75, 100]);
    expect(weights(canary(0, 30))).toEqual([0, 30, 60, 90, 100]);
    expect(weights(canary(100, 10))).toEqual([100]);
  });

  it('keeps fractional canary weights exact', () => expect(weights(canary(0.1, 33.3))).toEqual([0.1, 33.4, 66.7, 100]));

  it('never plans more than 100 steps, even from a config that skipped validation', () => {
    expect(planSteps(canary(0, 0.1))).toHaveLength(100);
    expect(weights(canary(0, 0.1)).at(-1)).toBe(100);
    expect(weights(canary(10, 0))).toEqual([10, 100]);
  });

  it('stages blue-green without traffic, then switches everything after switch_delay', () =>
    expect(planSteps({ name: 'blue_green', switch_delay: 120, max_failed_checks: 1 })).toEqual([
      { index: 0, kind: 'stage', traffic_percent: 0, wait_seconds_after: 120 },
      { index: 1, kind: 'switch', traffic_percent: 100, wait_seconds_after: 0 },
    ]));

  it('replaces rolling instances max_surge + max_unavailable at a time', () => {
    expect(planSteps(rolling(4, 1, 0))).toEqual([
      { index: 0, kind: 'batch', traffic_percent: 25, batch: { number: 1, of: 4, size: 1, updated: 1, total: 4 }, wait_seconds_after: 30 },
      { index: 1, kind: 'batch', traffic_percent: 50, batch: { number: 2, of: 4, size: 1, updated: 2, total: 4 }, wait_seconds_after: 30 },
      { index: 2, kind: 'batch', traffic_percent: 75, batch: { number: 3, of: 4, size: 1, updated: 3, total: 4 }, wait_seconds_after: 30 },
      { index: 3, kind: 'batch', traffic_percent: 100, batch: { number: 4, of: 4, size: 1, updated: 4, total: 4 }, wait_seconds_after: 0 },
    ]);
    expect(planSteps(rolling(5, 1, 1)).map((s) => [s.batch?.size, s.batch?.updated, s.traffic_percent])).toEqual([
      [2, 2, 40],
      [2, 4, 80],
      [1, 5, 100],
    ]);
    expect(planSteps(rolling(3, 0, 1)).map((s) => s.traffic_percent)).toEqual([33, 66, 100]);
    expect(planSteps(rolling(2, 5, 0)).map((s) => s.batch)).toEqual([{ number: 1, of: 1, size: 2, updated: 2, total: 2 }]);
  });

  it('ends every strategy at 100 %', () => {
    for (const strategy of ['direct', 'canary', 'blue_green', 'rolling']) {
      const result = parseStrategy({ strategy });
      if (!result.ok) throw new Error(strategy);
      expect(planSteps(result.strategy).at(-1)).toMatchObject({ traffic_percent: 100, wait_seconds_after: 0 });
    }
  });
});
