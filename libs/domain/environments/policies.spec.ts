import { evaluatePolicies, type PolicyInput, type PolicySettings } from './policies';
import { DEFAULT_SETTINGS, type EnvironmentSettings } from './settings';

const settings = (policies: Partial<PolicySettings>, extra: Partial<EnvironmentSettings> = {}): EnvironmentSettings => ({
  ...DEFAULT_SETTINGS,
  policies: { ...DEFAULT_SETTINGS.policies, ...policies },
  ...extra,
});
const request = (now: string, extra: Partial<PolicyInput> = {}): PolicyInput => ({ kind: 'deploy', environment: 'production', version: '1.0.0', now: new Date(now), ...extra });

describe('policies', () => {
  describe('weekly freezes in a time zone', () => {
    // Friday 16:00 → Monday 08:00 in Paris (UTC+1 in November)
    const weekend = settings({ weekly_freezes: [{ window: 'fri 16:00-mon 08:00', time_zone: 'Europe/Paris', reason: 'weekend' }] });

    it('blocks inside the window, telling when it opens', () => {
      const decision = evaluatePolicies(weekend, request('2026-11-20T15:30:00.000Z')); // Friday 16:30 in Paris
      expect(decision.blocked).toBe(true);
      expect(decision.violations).toEqual([
        { rule: 'freeze', detail: 'weekly freeze fri 16:00-mon 08:00 (Europe/Paris): weekend', opens_at: '2026-11-23T07:00:00.000Z' }, // Monday 08:00 Paris
      ]);
    });

    it('lets through just before it, and from the minute it ends', () => {
      expect(evaluatePolicies(weekend, request('2026-11-20T14:59:00.000Z')).blocked).toBe(false); // Friday 15:59 Paris
      expect(evaluatePolicies(weekend, request('2026-11-23T07:00:00.000Z')).blocked).toBe(false); // Monday 08:00 Paris
      expect(evaluatePolicies(weekend, request('2026-11-23T06:59:00.000Z')).blocked).toBe(true);
    });

    it('follows the zone, not UTC: 23:30 UTC Sunday is already Monday in Tokyo', () => {
      const tokyoNight = settings({ weekly_freezes: [{ window: 'sun 22:00-mon 06:00', time_zone: 'Asia/Tokyo' }] });
      expect(evaluatePolicies(tokyoNight, request('2026-11-22T13:30:00.000Z')).blocked).toBe(true); // Sunday 22:30 Tokyo
      expect(evaluatePolicies(tokyoNight, request('2026-11-22T23:30:00.000Z')).blocked).toBe(false); // Monday 08:30 Tokyo
    });
  });

  it('blocks inside an absolute freeze; an admin override lifts it and is reported', () => {
    const holidays = settings({ freezes: [{ start: '2026-12-20T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z', reason: 'holidays' }] });
    expect(evaluatePolicies(holidays, request('2026-12-24T10:00:00.000Z'))).toMatchObject({ blocked: true, violations: [{ rule: 'freeze', opens_at: '2027-01-04T00:00:00.000Z' }] });
    const overridden = evaluatePolicies(holidays, request('2026-12-24T10:00:00.000Z', { overrideReason: 'security fix' }));
    expect(overridden).toMatchObject({ blocked: false, overridden: [{ rule: 'freeze' }] });
  });

  it('lets rollbacks through freezes, but not through a lock', () => {
    const frozenAndLocked = settings(
      { freezes: [{ start: '2026-12-20T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' }] },
      { lock: { by: 'alice', reason: 'incident 42', until: null, locked_at: '2026-12-23T00:00:00.000Z' } },
    );
    const rollback = evaluatePolicies(frozenAndLocked, request('2026-12-24T10:00:00.000Z', { kind: 'rollback' }));
    expect(rollback.violations.map((v) => v.rule)).toEqual(['lock']);
    expect(evaluatePolicies(settings({ freezes: frozenAndLocked.policies.freezes }), request('2026-12-24T10:00:00.000Z', { kind: 'rollback' })).blocked).toBe(false);
  });

  it('ends a lock at its expiry', () => {
    const locked = settings({}, { lock: { by: 'alice', reason: 'migration', until: '2026-11-23T12:00:00.000Z', locked_at: '2026-11-23T10:00:00.000Z' } });
    expect(evaluatePolicies(locked, request('2026-11-23T11:00:00.000Z'))).toMatchObject({ blocked: true, violations: [{ rule: 'lock', opens_at: '2026-11-23T12:00:00.000Z' }] });
    expect(evaluatePolicies(locked, request('2026-11-23T12:00:00.000Z')).blocked).toBe(false);
  });

  it('starts scheduled deployments only inside the maintenance window, across midnight', () => {
    const nightly = settings({ maintenance_window: { window: '23:30-00:30', time_zone: 'UTC' } });
    const at = (scheduledAt: string) => evaluatePolicies(nightly, request('2026-11-23T10:00:00.000Z', { scheduledAt }));
    expect(at('2026-11-23T23:45:00.000Z').blocked).toBe(false);
    expect(at('2026-11-24T00:15:00.000Z').blocked).toBe(false);
    expect(at('2026-11-24T00:30:00.000Z')).toMatchObject({ blocked: true, violations: [{ rule: 'maintenance_window', opens_at: '2026-11-24T23:30:00.000Z' }] });
    expect(evaluatePolicies(nightly, request('2026-11-23T10:00:00.000Z')).blocked).toBe(false); // not scheduled: deploys now
  });

  it('requires the version to have completed upstream and soaked there', () => {
    const flow = settings({ require_upstream: true });
    const upstream = (completedAt: string | null) => ({ environment: 'staging', completedAt, soakSeconds: 3_600 });
    expect(evaluatePolicies(flow, request('2026-11-23T10:00:00.000Z', { upstream: upstream(null) }))).toMatchObject({ blocked: true, violations: [{ rule: 'upstream', opens_at: null }] });
    expect(evaluatePolicies(flow, request('2026-11-23T10:00:00.000Z', { upstream: upstream('2026-11-23T09:30:00.000Z') }))).toMatchObject({
      blocked: true,
      violations: [{ rule: 'upstream', opens_at: '2026-11-23T10:30:00.000Z' }],
    });
    expect(evaluatePolicies(flow, request('2026-11-23T10:00:00.000Z', { upstream: upstream('2026-11-23T08:00:00.000Z') })).blocked).toBe(false);
  });

  it('reports without blocking in report_only mode', () => {
    const audit = settings({ mode: 'report_only', freezes: [{ start: '2026-12-20T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' }] });
    expect(evaluatePolicies(audit, request('2026-12-24T10:00:00.000Z'))).toMatchObject({ blocked: false, violations: [{ rule: 'freeze' }] });
  });
});
