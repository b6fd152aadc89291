import type { FieldError } from '../shared/domain-error';
import { parseStrategy, STRATEGY_DEFAULTS, STRATEGY_NAMES, type StrategyConfig } from './strategy.config';

const parsed = (config: unknown): StrategyConfig => {
  const result = parseStrategy(config);
  if (!result.ok) throw new Error(`expected a valid strategy, got ${JSON.stringify(result.errors)}`);
  return result.strategy;
};
const errorsOf = (config: unknown): FieldError[] => {
  const result = parseStrategy(config);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.strategy)}`);
  return result.errors;
};
const fieldsOf = (config: unknown): string[] => errorsOf(config).map((e) => e.field);
const canary = (parameters: object) => ({ strategy: { name: 'canary', ...parameters } });
const rolling = (parameters: object) => ({ strategy: { name: 'rolling', ...parameters } });

describe('parseStrategy', () => {
  describe('defaults', () => {
    it('deploys directly without a config or a strategy', () => {
      expect(parsed(undefined)).toEqual({ name: 'direct' });
      expect(parsed(null)).toEqual({ name: 'direct' });
      expect(parsed({ timeout: 600 })).toEqual({ name: 'direct' });
      expect(parsed({ strategy: 'direct' })).toEqual({ name: 'direct' });
    });

    it("applies seed 004's canary defaults: 10 %, +10 %, every 300 s", () =>
      expect(parsed({ strategy: 'canary' })).toEqual({ name: 'canary', initial_percentage: 10, increment: 10, interval: 300, max_failed_checks: 1 }));

    it("applies seed 004's blue-green default: switch after 0 s", () =>
      expect(parsed({ strategy: { name: 'blue_green' } })).toEqual({ name: 'blue_green', switch_delay: 0, max_failed_checks: 1 }));

    it("applies seed 002's rolling defaults: max_surge 1, max_unavailable 0", () =>
      expect(parsed({ strategy: 'rolling' })).toEqual({ name: 'rolling', instances: 4, max_surge: 1, max_unavailable: 0, batch_interval: 30, max_failed_checks: 1 }));

    it('treats null parameters as not given', () => expect(parsed(canary({ increment: null, interval: null }))).toEqual(parsed({ strategy: 'canary' })));

    it('keeps the parameters it is given', () =>
      expect(parsed(canary({ initial_percentage: 5, increment: 25, interval: 60, health_check_url: 'https://api.example/health', max_failed_checks: 3 }))).toEqual({
        name: 'canary',
        initial_percentage: 5,
        increment: 25,
        interval: 60,
        health_check_url: 'https://api.example/health',
        max_failed_checks: 3,
      }));
  });

  describe('names and durations', () => {
    it('reads names case-insensitively, with - or a space for _', () => {
      expect(parsed({ strategy: 'Blue-Green' }).name).toBe('blue_green');
      expect(parsed({ strategy: { name: ' CANARY ' } }).name).toBe('canary');
    });

    it('reads durations in seconds or as "30s", "5m", "1h", "500ms"', () => {
      expect(parsed(canary({ interval: '5m' }))).toMatchObject({ interval: 300 });
      expect(parsed(canary({ interval: '1h' }))).toMatchObject({ interval: 3600 });
      expect(parsed({ strategy: { name: 'blue_green', switch_delay: '90s' } })).toMatchObject({ switch_delay: 90 });
      expect(parsed(rolling({ health_check: { timeout: '500ms' } }))).toMatchObject({ health_check: { path: '/health', interval: 30, timeout: 0.5 } });
    });

    it("takes seed 002's health_check beside `strategy: rolling`", () =>
      expect(parsed({ strategy: 'rolling', timeout: '10m', health_check: { path: '/health', interval: '30s', timeout: '5s' } })).toEqual({
        ...STRATEGY_DEFAULTS.rolling,
        name: 'rolling',
        health_check: { path: '/health', interval: 30, timeout: 5 },
      }));

    it("prefers the strategy's own health_check to the one beside it", () =>
      expect(parsed({ strategy: { name: 'rolling', health_check: { path: '/ready' } }, health_check: { path: '/health' } })).toMatchObject({
        health_check: { path: '/ready', interval: 30, timeout: 5 },
      }));
  });

  describe('rejects impossible parameters, one error per field, naming what it accepts', () => {
    it('an unknown strategy name, listing the accepted ones', () => {
      expect(errorsOf({ strategy: 'big_bang' })).toEqual([{ field: 'config.strategy', message: 'unknown strategy "big_bang"', accepted: STRATEGY_NAMES }]);
      expect(errorsOf({ strategy: { name: 'big_bang' } })).toEqual([{ field: 'config.strategy.name', message: 'unknown strategy "big_bang"', accepted: STRATEGY_NAMES }]);
      expect(errorsOf({ strategy: { increment: 5 } })).toEqual([{ field: 'config.strategy.name', message: 'required', accepted: STRATEGY_NAMES }]);
    });

    it('a strategy or config of the wrong type', () => {
      expect(fieldsOf({ strategy: 42 })).toEqual(['config.strategy']);
      expect(fieldsOf({ strategy: ['canary'] })).toEqual(['config.strategy']);
      expect(fieldsOf('canary')).toEqual(['config']);
    });

    it('percentages outside 0–100', () => {
      expect(errorsOf(canary({ initial_percentage: -1 }))).toEqual([{ field: 'config.strategy.initial_percentage', message: '-1 is out of range', accepted: ['0 to 100'] }]);
      expect(fieldsOf(canary({ initial_percentage: 101 }))).toEqual(['config.strategy.initial_percentage']);
      expect(fieldsOf(canary({ increment: 150 }))).toEqual(['config.strategy.increment']);
    });

    it('an increment of 0 or less', () => {
      expect(errorsOf(canary({ increment: 0 }))).toEqual([{ field: 'config.strategy.increment', message: '0 is out of range', accepted: ['more than 0, at most 100'] }]);
      expect(fieldsOf(canary({ increment: -10 }))).toEqual(['config.strategy.increment']);
    });

    it('an increment so small the canary would take more than 100 steps', () => {
      const [error] = errorsOf(canary({ initial_percentage: 1, increment: 0.5 }));
      expect(error).toMatchObject({ field: 'config.strategy.increment', accepted: ['≥ 1 from this initial_percentage'] });
      expect(error?.message).toMatch(/199 steps/);
    });

    it('negative intervals and delays', () => {
      expect(fieldsOf(canary({ interval: -1 }))).toEqual(['config.strategy.interval']);
      expect(fieldsOf(canary({ interval: '-5m' }))).toEqual(['config.strategy.interval']);
      expect(fieldsOf({ strategy: { name: 'blue_green', switch_delay: -30 } })).toEqual(['config.strategy.switch_delay']);
      expect(fieldsOf(rolling({ batch_interval: -1 }))).toEqual(['config.strategy.batch_interval']);
    });

    it('health checks that could never run', () => {
      expect(fieldsOf(rolling({ health_check: { path: 'health', interval: 0, timeout: 'soon' } }))).toEqual([
        'config.strategy.health_check.path',
        'config.strategy.health_check.interval',
        'config.strategy.health_check.timeout',
      ]);
      expect(fieldsOf({ strategy: 'rolling', health_check: { interval: '-30s' } })).toEqual(['config.health_check.interval']);
      expect(fieldsOf(rolling({ health_check: 'yes' }))).toEqual(['config.strategy.health_check']);
      expect(fieldsOf(canary({ health_check_url: 'ftp://api.example/health' }))).toEqual(['config.strategy.health_check_url']);
    });

    it('max_failed_checks below 1 or fractional', () => {
      expect(errorsOf(canary({ max_failed_checks: 0 }))).toEqual([{ field: 'config.strategy.max_failed_checks', message: '0 is out of range', accepted: ['a whole number ≥ 1'] }]);
      expect(fieldsOf({ strategy: { name: 'blue_green', max_failed_checks: 1.5 } })).toEqual(['config.strategy.max_failed_checks']);
    });

    it('max_surge and max_unavailable both 0, naming both', () =>
      expect(errorsOf(rolling({ max_surge: 0, max_unavailable: 0 }))).toEqual([
        { field: 'config.strategy.max_surge', message: expect.stringMatching(/cannot both be 0/), accepted: ['≥ 1 when max_unavailable is 0'] },
        { field: 'config.strategy.max_unavailable', message: expect.stringMatching(/cannot both be 0/), accepted: ['≥ 1 when max_surge is 0'] },
      ]));

    it('instance counts that are not whole, or too many for the batch size', () => {
      expect(fieldsOf(rolling({ instances: 0, max_surge: -1, max_unavailable: 1.5 }))).toEqual([
        'config.strategy.instances',
        'config.strategy.max_surge',
        'config.strategy.max_unavailable',
      ]);
      expect(fieldsOf(rolling({ instances: 101 }))).toEqual(['config.strategy.instances']);
      expect(parsed(rolling({ instances: 101, max_surge: 2 }))).toMatchObject({ instances: 101 });
    });

    it('parameters of the wrong type', () => {
      expect(errorsOf(canary({ increment: '10' }))).toEqual([{ field: 'config.strategy.increment', message: 'must be a number', accepted: ['more than 0, at most 100'] }]);
      expect(fieldsOf(canary({ interval: true }))).toEqual(['config.strategy.interval']);
      expect(fieldsOf(rolling({ instances: '4' }))).toEqual(['config.strategy.instances']);
    });

    it('parameters the strategy does not have (typos, or another strategy’s)', () =>
      expect(errorsOf(canary({ intervall: 60, switch_delay: 5 }))).toEqual([
        { field: 'config.strategy.intervall', message: 'unknown parameter "intervall"', accepted: ['initial_percentage', 'increment', 'interval', 'health_check_url', 'max_failed_checks'] },
        { field: 'config.strategy.switch_delay', message: 'unknown parameter "switch_delay"', accepted: ['initial_percentage', 'increment', 'interval', 'health_check_url', 'max_failed_checks'] },
      ]));

    it('every offending field at once', () =>
      expect(fieldsOf(canary({ initial_percentage: 120, increment: 0, interval: -300, max_failed_checks: 0 }))).toEqual([
        'config.strategy.initial_percentage',
        'config.strategy.increment',
        'config.strategy.interval',
        'config.strategy.max_failed_checks',
      ]));
  });
});
