import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('deployment metrics (HTTP, real app)', () => {
  let server: RunningServer;
  const report = (environment: string, version: string, status: string, time: string, extra: Record<string, unknown> = {}) =>
    server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: environment, version, status, occurred_at: `2026-01-0${time}:00Z`, ...extra });

  beforeAll(async () => {
    server = await startServer();
    await server.request('PATCH', '/api/v1/environments/prod', { production: true });
    await server.request('POST', '/build-events/', { product_name: 'api', version: '1.0', status: 'built', occurred_at: '2026-01-01T08:00:00Z' });
    // The history of the metrics spec, reported as CI would: lead time, failure, rollback, restore.
    await report('staging', '1.0', 'started', '1T09:00');
    await report('staging', '1.0', 'success', '1T09:10');
    await report('prod', '1.0', 'started', '1T10:00');
    await report('prod', '1.0', 'success', '1T10:20');
    await report('prod', '1.1', 'started', '1T14:00');
    await report('prod', '1.1', 'failed', '1T14:05');
    await report('prod', '1.0', 'started', '1T14:10');
    await report('prod', '1.0', 'success', '1T14:20');
    await report('prod', '1.2', 'started', '2T10:00', { extra_metadata: { commit_time: '2026-01-02T09:00:00.000Z' } });
    await report('prod', '1.2', 'success', '2T10:30');
  });
  afterAll(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('computes the figures worked out by hand', async () => {
    const { body } = await server.request('GET', '/api/v1/metrics/deployments?from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z');
    expect(body.deployments).toMatchObject({ completed: 4, failed: 1, aborted: 0, frequency_per_day: 2, success_rate: 0.8, duration_seconds: { p50: 600, p90: 1800, max: 1800 } });
    expect(body.dora).toEqual({
      production_environments: ['prod'],
      deployment_frequency_per_day: 1.5,
      lead_time_for_changes_seconds: { mean: 12200, median: 8400 },
      change_failure_rate: 0.3333,
      time_to_restore_seconds: { mean: 900, median: 900 },
      rework_rate: 0.3333,
      failure_window_hours: 24,
    });
  });

  it('filters, buckets by month, and refuses bad ranges', async () => {
    const staging = await server.request('GET', '/api/v1/metrics/deployments?environment=staging&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&bucket=month');
    expect(staging.body.deployments).toMatchObject({ completed: 1, buckets: [{ start: '2026-01-01', deployments: 1 }] });
    const bad = await server.request('GET', '/api/v1/metrics/deployments?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=year');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['bucket']);
    expect((await server.request('GET', '/api/v1/metrics/deployments?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z')).body.errors).toEqual([{ field: 'from', message: 'must be before to' }]);
  });

  it('replays history under a hypothetical freeze window or approval rule', async () => {
    const range = 'from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z&environment=prod';
    const freeze = await server.request('GET', `/api/v1/metrics/what-if?${range}&freeze=2026-01-01T12:00:00Z/2026-01-02T00:00:00Z`);
    // The failed 1.1 (14:00) and the rollback (14:10) fall in the freeze; 1.0 at 10:00 and 1.2 the next day do not.
    expect(freeze.body.blocked.map((d: { version: string; status: string }) => `${d.version}:${d.status}`)).toEqual(['1.1:failed', '1.0:completed']);
    expect(freeze.body.metrics.actual.deployments).toMatchObject({ completed: 3, failed: 1 });
    expect(freeze.body.metrics.with_rule.deployments).toMatchObject({ completed: 2, failed: 0, success_rate: 1 });
    const approvals = await server.request('GET', `/api/v1/metrics/what-if?${range}&approval_required=1`);
    expect(approvals.body.blocked).toHaveLength(4);
    expect(approvals.body.blocked[0].reason).toBe('approvals 0/1');
    const weekly = await server.request('GET', `/api/v1/metrics/what-if?${range}&freeze_weekly=${encodeURIComponent('thu 12:00-thu 15:00')}`);
    expect(weekly.body.blocked.map((d: { version: string }) => d.version)).toEqual(['1.1', '1.0']);
    const bad = await server.request('GET', `/api/v1/metrics/what-if?${range}&freeze_weekly=weekends`);
    expect(bad.body).toMatchObject({ status: 400, type: '/problems/invalid-window' });
    expect((await server.request('GET', `/api/v1/metrics/what-if?${range}`)).body.errors).toEqual([{ field: 'freeze', message: 'no rule given' }]);
  });

  it('prints them as a table from the CLI', async () => {
    const result = await runCli(['metrics', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-03T00:00:00Z'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(result.stdout).toMatch(/deployments completed\s+4/);
    expect(result.stdout).toMatch(/DORA lead time for changes \(median\)\s+2 h 20 min/);
    expect(result.stdout).toMatch(/DORA change failure rate\s+33\.3 %/);
  });
});
