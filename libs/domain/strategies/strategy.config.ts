import { assertNever } from '../shared/assert-never';
import type { FieldError } from '../shared/domain-error';

/**
 * How a deployment moves traffic to the new version (seed 004 DeploymentStrategy, seed 002 `strategy: rolling`).
 * Every duration is in seconds; every percentage is a share of traffic from 0 to 100.
 */
export const STRATEGY_NAMES = ['direct', 'canary', 'blue_green', 'rolling'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Everything at once: one step to 100 % (the default). */
export type DirectStrategy = { name: 'direct' };

/** Seed 004 CanaryStrategy: `initial_percentage`, then `+increment` every `interval` seconds up to 100 %. */
export type CanaryStrategy = {
  name: 'canary';
  initial_percentage: number;
  increment: number;
  interval: number;
  health_check_url?: string;
  /** Consecutive failed health checks that abort the strategy and roll traffic back. */
  max_failed_checks: number;
};

/** Seed 004 BlueGreenStrategy: bring green up beside blue, wait `switch_delay` seconds (health-checked), switch all traffic. */
export type BlueGreenStrategy = {
  name: 'blue_green';
  switch_delay: number;
  health_check_url?: string;
  max_failed_checks: number;
};

/** Seed 002 health_check: a path probed on each instance, every `interval` seconds, failing after `timeout` seconds. */
export type RollingHealthCheck = { path: string; interval: number; timeout: number };

/**
 * Seed 002 `strategy: rolling` (`max_surge` 1, `max_unavailable` 0): `instances` are replaced in batches of
 * `max_surge + max_unavailable` instances (whole numbers, not percentages), `batch_interval` seconds apart.
 */
export type RollingStrategy = {
  name: 'rolling';
  instances: number;
  max_surge: number;
  max_unavailable: number;
  batch_interval: number;
  health_check?: RollingHealthCheck;
  max_failed_checks: number;
};

export type StrategyConfig = DirectStrategy | CanaryStrategy | BlueGreenStrategy | RollingStrategy;

export const DEFAULT_STRATEGY: DirectStrategy = { name: 'direct' };

/** Seed 004's defaults for canary and blue-green, seed 002's for rolling; the rest are Shiplog's. */
export const STRATEGY_DEFAULTS = {
  canary: { initial_percentage: 10, increment: 10, interval: 300, max_failed_checks: 1 },
  blue_green: { switch_delay: 0, max_failed_checks: 1 },
  rolling: { instances: 4, max_surge: 1, max_unavailable: 0, batch_interval: 30, max_failed_checks: 1 },
  rolling_health_check: { path: '/health', interval: 30, timeout: 5 },
} as const;

/** A plan never has more steps than this: one event and one executor run per step. */
export const MAX_STRATEGY_STEPS = 100;

export type ParsedStrategy = { ok: true; strategy: StrategyConfig } | { ok: false; errors: FieldError[] };

/** The keys each strategy accepts in its object form (besides `name`). */
export const STRATEGY_PARAMETERS: Readonly<Record<StrategyName, readonly string[]>> = {
  direct: [],
  canary: ['initial_percentage', 'increment', 'interval', 'health_check_url', 'max_failed_checks'],
  blue_green: ['switch_delay', 'health_check_url', 'max_failed_checks'],
  rolling: ['instances', 'max_surge', 'max_unavailable', 'batch_interval', 'health_check', 'max_failed_checks'],
};
const HEALTH_CHECK_KEYS = ['path', 'interval', 'timeout'];

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => value !== null && typeof value === 'object' && !Array.isArray(value);
/** JSON clients send null for "not given": it takes the default, like an absent key. */
const given = (value: unknown): boolean => value !== undefined && value !== null;

/** Collects one FieldError per offending field; values of offending fields fall back to the default. */
class Fields {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string, accepted: readonly string[]): undefined {
    this.errors.push({ field, message, accepted });
    return undefined;
  }

  unknownKeys(raw: Raw, at: string, known: readonly string[]): void {
    for (const key of Object.keys(raw)) if (!known.includes(key)) this.fail(`${at}.${key}`, `unknown parameter "${key}"`, known);
  }

  number(value: unknown, field: string, fallback: number, rule: { min: number; exclusiveMin?: true; max?: number; integer?: true; range: string }): number {
    if (!given(value)) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(field, 'must be a number', [rule.range]) ?? fallback;
    const tooLow = rule.exclusiveMin ? value <= rule.min : value < rule.min;
    if (tooLow || (rule.max !== undefined && value > rule.max) || (rule.integer && !Number.isInteger(value)))
      return this.fail(field, `${value} is out of range`, [rule.range]) ?? fallback;
    return value;
  }

  /** Seconds as a number, or a duration string as in seed 002 ("30s", "5m", "1h", "500ms"). */
  seconds(value: unknown, field: string, fallback: number, positive = false): number {
    const range = `${positive ? 'seconds > 0' : 'seconds ≥ 0'}, or a duration like "30s", "5m", "1h"`;
    if (!given(value)) return fallback;
    const seconds = typeof value === 'number' ? value : typeof value === 'string' ? durationSeconds(value) : null;
    if (seconds === null || !Number.isFinite(seconds)) return this.fail(field, 'must be a number of seconds or a duration', [range]) ?? fallback;
    if (seconds < 0 || (positive && seconds === 0)) return this.fail(field, `${String(value)} is out of range`, [range]) ?? fallback;
    return seconds;
  }

  url(value: unknown, field: string): string | undefined {
    if (!given(value)) return undefined;
    if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+/i.test(value)) return this.fail(field, 'must be an http(s) URL', ['http://… or https://…']);
    return value;
  }
}

const UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const durationSeconds = (text: string): number | null => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(text);
  const unit = match?.[2] ? UNITS[match[2].toLowerCase()] : undefined;
  return match?.[1] && unit !== undefined ? Number(match[1]) * unit : null;
};

/** Case-insensitive; `blue-green` and `Blue Green` mean `blue_green`. */
const strategyName = (raw: string): StrategyName | null => {
  const normalized = raw.trim().toLowerCase().replace(/[-\s]+/g, '_');
  return STRATEGY_NAMES.find((name) => name === normalized) ?? null;
};

const PERCENT = '0 to 100';
const STEP_PERCENT = 'more than 0, at most 100';
const AT_LEAST_ONE = 'a whole number ≥ 1';
const COUNT = 'a whole number ≥ 0';

const parseCanary = (raw: Raw, at: string, f: Fields): CanaryStrategy => {
  const d = STRATEGY_DEFAULTS.canary;
  const initial = f.number(raw['initial_percentage'], `${at}.initial_percentage`, d.initial_percentage, { min: 0, max: 100, range: PERCENT });
  const increment = f.number(raw['increment'], `${at}.increment`, d.increment, { min: 0, exclusiveMin: true, max: 100, range: STEP_PERCENT });
  const steps = initial >= 100 ? 1 : 1 + Math.ceil((100 - initial) / increment);
  if (steps > MAX_STRATEGY_STEPS)
    f.fail(`${at}.increment`, `from ${initial} % in steps of ${increment} the canary would take ${steps} steps (at most ${MAX_STRATEGY_STEPS})`, [
      `≥ ${Math.ceil(((100 - initial) / (MAX_STRATEGY_STEPS - 1)) * 100) / 100} from this initial_percentage`,
    ]);
  const url = f.url(raw['health_check_url'], `${at}.health_check_url`);
  return {
    name: 'canary',
    initial_percentage: initial,
    increment,
    interval: f.seconds(raw['interval'], `${at}.interval`, d.interval),
    ...(url === undefined ? {} : { health_check_url: url }),
    max_failed_checks: f.number(raw['max_failed_checks'], `${at}.max_failed_checks`, d.max_failed_checks, { min: 1, integer: true, range: AT_LEAST_ONE }),
  };
};

const parseBlueGreen = (raw: Raw, at: string, f: Fields): BlueGreenStrategy => {
  const d = STRATEGY_DEFAULTS.blue_green;
  const url = f.url(raw['health_check_url'], `${at}.health_check_url`);
  return {
    name: 'blue_green',
    switch_delay: f.seconds(raw['switch_delay'], `${at}.switch_delay`, d.switch_delay),
    ...(url === undefined ? {} : { health_check_url: url }),
    max_failed_checks: f.number(raw['max_failed_checks'], `${at}.max_failed_checks`, d.max_failed_checks, { min: 1, integer: true, range: AT_LEAST_ONE }),
  };
};

const parseHealthCheck = (value: unknown, at: string, f: Fields, strict: boolean): RollingHealthCheck | undefined => {
  if (!given(value)) return undefined;
  if (!isObject(value)) return f.fail(at, 'must be an object', ['{ path, interval, timeout }']);
  if (strict) f.unknownKeys(value, at, HEALTH_CHECK_KEYS);
  const d = STRATEGY_DEFAULTS.rolling_health_check;
  const path = value['path'];
  const validPath = !given(path) || (typeof path === 'string' && path.startsWith('/'));
  if (!validPath) f.fail(`${at}.path`, 'must be a path starting with "/"', ['/health, /ready, …']);
  return {
    path: typeof path === 'string' && validPath ? path : d.path,
    interval: f.seconds(value['interval'], `${at}.interval`, d.interval, true),
    timeout: f.seconds(value['timeout'], `${at}.timeout`, d.timeout, true),
  };
};

const parseRolling = (raw: Raw, at: string, f: Fields, sibling: { value: unknown; at: string }): RollingStrategy => {
  const d = STRATEGY_DEFAULTS.rolling;
  const instances = f.number(raw['instances'], `${at}.instances`, d.instances, { min: 1, integer: true, range: AT_LEAST_ONE });
  const surge = f.number(raw['max_surge'], `${at}.max_surge`, d.max_surge, { min: 0, integer: true, range: COUNT });
  const unavailable = f.number(raw['max_unavailable'], `${at}.max_unavailable`, d.max_unavailable, { min: 0, integer: true, range: COUNT });
  if (surge === 0 && unavailable === 0) {
    const message = 'max_surge and max_unavailable cannot both be 0: no instance could ever be replaced';
    f.fail(`${at}.max_surge`, message, ['≥ 1 when max_unavailable is 0']);
    f.fail(`${at}.max_unavailable`, message, ['≥ 1 when max_surge is 0']);
  } else {
    const batches = Math.ceil(instances / Math.min(instances, surge + unavailable));
    if (batches > MAX_STRATEGY_STEPS)
      f.fail(`${at}.instances`, `${instances} instances in batches of ${surge + unavailable} would take ${batches} batches (at most ${MAX_STRATEGY_STEPS}); raise max_surge`, [
        `at most ${MAX_STRATEGY_STEPS * (surge + unavailable)} with this max_surge and max_unavailable`,
      ]);
  }
  const health = given(raw['health_check'])
    ? parseHealthCheck(raw['health_check'], `${at}.health_check`, f, true)
    : parseHealthCheck(sibling.value, sibling.at, f, false);
  return {
    name: 'rolling',
    instances,
    max_surge: surge,
    max_unavailable: unavailable,
    batch_interval: f.seconds(raw['batch_interval'], `${at}.batch_interval`, d.batch_interval),
    ...(health === undefined ? {} : { health_check: health }),
    max_failed_checks: f.number(raw['max_failed_checks'], `${at}.max_failed_checks`, d.max_failed_checks, { min: 1, integer: true, range: AT_LEAST_ONE }),
  };
};

/**
 * Reads a deploy request's `config` (POST /api/v1/deployments): `config.strategy` is either a name
 * (`"rolling"`, seed 002; all defaults) or an object `{ name, ...parameters }`. A rolling strategy without its
 * own `health_check` takes seed 002's `config.health_check` beside it. No config or no strategy: `direct`.
 * Every offending field gets one FieldError (`config.strategy.increment`, …) with what it accepts.
 */
export const parseStrategy = (input: unknown): ParsedStrategy => {
  if (!given(input)) return { ok: true, strategy: DEFAULT_STRATEGY };
  const f = new Fields();
  if (!isObject(input)) {
    f.fail('config', 'must be an object', ['{ strategy, health_check, … }']);
    return { ok: false, errors: f.errors };
  }
  const value = input['strategy'];
  if (!given(value)) return { ok: true, strategy: DEFAULT_STRATEGY };

  const form: { raw: Raw; nameField: string; rawName: unknown } | null =
    typeof value === 'string' ? { raw: {}, nameField: 'config.strategy', rawName: value } : isObject(value) ? { raw: value, nameField: 'config.strategy.name', rawName: value['name'] } : null;
  if (!form) {
    f.fail('config.strategy', 'must be a strategy name or an object with a name', [...STRATEGY_NAMES]);
    return { ok: false, errors: f.errors };
  }
  const { raw, nameField, rawName } = form;

  const name = typeof rawName === 'string' ? strategyName(rawName) : null;
  if (!name) {
    f.fail(nameField, given(rawName) ? `unknown strategy ${JSON.stringify(rawName)}` : 'required', [...STRATEGY_NAMES]);
    return { ok: false, errors: f.errors };
  }

  const { name: _name, ...parameters } = raw;
  f.unknownKeys(parameters, 'config.strategy', STRATEGY_PARAMETERS[name]);
  const strategy = parseNamed(name, parameters, f, { value: input['health_check'], at: 'config.health_check' });
  return f.errors.length > 0 ? { ok: false, errors: f.errors } : { ok: true, strategy };
};

const parseNamed = (name: StrategyName, raw: Raw, f: Fields, sibling: { value: unknown; at: string }): StrategyConfig => {
  switch (name) {
    case 'direct':
      return DEFAULT_STRATEGY;
    case 'canary':
      return parseCanary(raw, 'config.strategy', f);
    case 'blue_green':
      return parseBlueGreen(raw, 'config.strategy', f);
    case 'rolling':
      return parseRolling(raw, 'config.strategy', f, sibling);
    default:
      return assertNever(name);
  }
};

/** Whether the saga probes health between steps (a URL or a path to probe is configured). */
export const hasHealthCheck = (strategy: StrategyConfig): boolean => {
  switch (strategy.name) {
    case 'direct':
      return false;
    case 'canary':
    case 'blue_green':
      return strategy.health_check_url !== undefined;
    case 'rolling':
      return strategy.health_check !== undefined;
    default:
      return assertNever(strategy);
  }
};

/** Consecutive failed health checks that abort a run; `direct` has no setting and gives up on the first. */
export const maxFailedChecks = (strategy: StrategyConfig): number => (strategy.name === 'direct' ? 1 : strategy.max_failed_checks);
