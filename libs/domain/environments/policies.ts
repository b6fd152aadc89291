import type { DeploymentKind } from '../deployments/lane.events';
import { DomainError } from '../shared/domain-error';
import type { EnvironmentSettings } from './settings';

/** Absolute freeze: no deploys in [start, end). */
export type FreezeWindow = { start: string; end: string; reason?: string };
/** Recurring freeze, e.g. `fri 16:00-mon 08:00` in a time zone. */
export type WeeklyFreeze = { window: string; time_zone: string; reason?: string };
/** Scheduled deployments start only inside this daily window, e.g. `22:00-23:00` in a time zone (seed 002). */
export type MaintenanceWindow = { window: string; time_zone: string };

export type PolicySettings = {
  /** `report_only`: violations are recorded with the request, nothing is blocked. */
  mode: 'enforced' | 'report_only';
  freezes: FreezeWindow[];
  weekly_freezes: WeeklyFreeze[];
  maintenance_window: MaintenanceWindow | null;
  /** A version must have completed upstream (the environment that promotes here) and soaked there first. */
  require_upstream: boolean;
};

export const DEFAULT_POLICIES: PolicySettings = { mode: 'enforced', freezes: [], weekly_freezes: [], maintenance_window: null, require_upstream: false };

export type EnvironmentLock = { by: string; reason: string; until: string | null; locked_at: string };

export type PolicyInput = {
  kind: DeploymentKind;
  environment: string;
  version?: string;
  now: Date;
  scheduledAt?: string;
  /** The environment promoting here and when the version completed there (null: it did not). */
  upstream?: { environment: string; completedAt: string | null; soakSeconds: number } | null;
  /** An admin's documented decision to deploy through a freeze. */
  overrideReason?: string;
};

export type Violation = { rule: 'lock' | 'freeze' | 'maintenance_window' | 'upstream'; detail: string; opens_at: string | null };
export type PolicyDecision = { approvalsRequired: number; violations: Violation[]; blocked: boolean; overridden: Violation[] };

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export class InvalidTimeZone extends DomainError {
  readonly code = 'invalid-settings';
  constructor(zone: string) {
    super(`time_zone: "${zone}" is not an IANA time zone (e.g. Europe/Paris, UTC)`, [{ field: 'time_zone', message: 'unknown time zone' }]);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (zone: string): Intl.DateTimeFormat => {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      throw new InvalidTimeZone(zone);
    }
    formatters.set(zone, f);
  }
  return f;
};

/** Minutes from Monday 00:00 in the zone's wall-clock time. */
export const localMinuteOfWeek = (at: Date, zone: string): number => {
  const parts = Object.fromEntries(formatter(zone).formatToParts(at).map((p) => [p.type, p.value]));
  return DAYS.indexOf(String(parts['weekday']).toLowerCase().slice(0, 3)) * 1440 + Number(parts['hour']) * 60 + Number(parts['minute']);
};

const clock = (text: string): number | null => {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  return m && Number(m[1]) < 24 && Number(m[2]) < 60 ? Number(m[1]) * 60 + Number(m[2]) : null;
};

/** `fri 16:00-mon 08:00` → [from, to) minutes of the week (may wrap). */
export const weeklyRange = (window: string): [number, number] | null => {
  const m = /^(mon|tue|wed|thu|fri|sat|sun) (\d{2}:\d{2})-(mon|tue|wed|thu|fri|sat|sun) (\d{2}:\d{2})$/i.exec(window.trim());
  const [from, to] = m ? [clock(m[2]!), clock(m[4]!)] : [null, null];
  if (!m || from === null || to === null) return null;
  const range: [number, number] = [DAYS.indexOf(m[1]!.toLowerCase()) * 1440 + from, DAYS.indexOf(m[3]!.toLowerCase()) * 1440 + to];
  return range[0] === range[1] ? null : range;
};

/** `22:00-23:00` → [from, to) minutes of the day (may wrap midnight). */
export const dailyRange = (window: string): [number, number] | null => {
  const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(window.trim());
  const [from, to] = m ? [clock(m[1]!), clock(m[2]!)] : [null, null];
  return from !== null && to !== null && from !== to ? [from, to] : null;
};

const within = (value: number, [from, to]: [number, number]) => (from < to ? value >= from && value < to : value >= from || value < to);

/** The first minute from `at` on at which `inside` changes to `want` (scans up to 8 days; null if never). */
const nextMinute = (at: Date, want: boolean, inside: (d: Date) => boolean): string | null => {
  const start = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  for (let i = 0; i <= 8 * 1440; i += 1) {
    const candidate = new Date(start.getTime() + i * 60_000);
    if (candidate.getTime() >= at.getTime() && inside(candidate) === want) return candidate.toISOString();
  }
  return null;
};

const inWeekly = (freeze: WeeklyFreeze) => (d: Date) => within(localMinuteOfWeek(d, freeze.time_zone), weeklyRange(freeze.window)!);
const inDaily = (window: MaintenanceWindow) => (d: Date) => within(localMinuteOfWeek(d, window.time_zone) % 1440, dailyRange(window.window)!);

/**
 * The one policy check every deployment request goes through. Rollbacks restore service: freezes, the
 * maintenance window and the upstream rule do not apply to them; a lock stops everything. In `report_only`
 * mode violations are returned but nothing is blocked; an admin's override reason lifts freezes (recorded).
 */
export const evaluatePolicies = (settings: EnvironmentSettings, request: PolicyInput): PolicyDecision => {
  const { policies, lock } = settings;
  const now = request.now;
  const iso = now.toISOString();
  const violations: Violation[] = [];
  if (lock && (!lock.until || lock.until > iso)) {
    violations.push({ rule: 'lock', detail: `${request.environment} is locked by ${lock.by}: ${lock.reason}`, opens_at: lock.until });
  }
  const restoring = request.kind === 'rollback';
  const freezes: Violation[] = restoring
    ? []
    : [
        ...policies.freezes
          .filter((f) => iso >= f.start && iso < f.end)
          .map((f) => ({ rule: 'freeze' as const, detail: `freeze ${f.start} → ${f.end}${f.reason ? `: ${f.reason}` : ''}`, opens_at: f.end })),
        ...policies.weekly_freezes
          .filter((f) => inWeekly(f)(now))
          .map((f) => ({ rule: 'freeze' as const, detail: `weekly freeze ${f.window} (${f.time_zone})${f.reason ? `: ${f.reason}` : ''}`, opens_at: nextMinute(now, false, inWeekly(f)) })),
      ];
  const maintenance = policies.maintenance_window;
  if (!restoring && maintenance && request.scheduledAt && !inDaily(maintenance)(new Date(request.scheduledAt))) {
    violations.push({
      rule: 'maintenance_window',
      detail: `scheduled deployments start inside the maintenance window ${maintenance.window} (${maintenance.time_zone})`,
      opens_at: nextMinute(new Date(request.scheduledAt), true, inDaily(maintenance)),
    });
  }
  if (!restoring && policies.require_upstream && request.upstream) {
    const { environment, completedAt, soakSeconds } = request.upstream;
    const soakedAt = completedAt ? new Date(Date.parse(completedAt) + soakSeconds * 1000).toISOString() : null;
    if (!soakedAt) violations.push({ rule: 'upstream', detail: `version ${request.version} has not completed in ${environment}, which promotes here`, opens_at: null });
    else if (soakedAt > iso) violations.push({ rule: 'upstream', detail: `version ${request.version} is still soaking in ${environment} (${soakSeconds} s)`, opens_at: soakedAt });
  }
  const overridden = request.overrideReason ? freezes : [];
  const effective = [...violations, ...(request.overrideReason ? [] : freezes)];
  return {
    approvalsRequired: settings.approval_required,
    violations: [...violations, ...freezes],
    blocked: policies.mode === 'enforced' && effective.length > 0,
    overridden,
  };
};

/** A request the environment's policies refuse: the rule, why, and when it opens. */
export class PolicyBlocked extends DomainError {
  readonly code: 'environment-locked' | 'policy-blocked';
  constructor(readonly violations: readonly Violation[]) {
    const opens = violations.map((v) => v.opens_at).filter((v): v is string => v !== null).sort().at(-1);
    super(`Blocked by policy: ${violations.map((v) => v.detail).join('; ')}${opens ? `. Opens at ${opens}.` : '.'}`, violations.map((v) => ({ field: v.rule, message: v.detail + (v.opens_at ? ` (opens at ${v.opens_at})` : '') })));
    this.code = violations.some((v) => v.rule === 'lock') ? 'environment-locked' : 'policy-blocked';
  }
}
