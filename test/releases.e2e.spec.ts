import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

/**
 * Releases through the real app with the command executor: the deploy script fails for `billing` 2.0.0,
 * so a release of api, web and billing stops there and rolls api and web back to 1.0.0.
 */
describe('releases (HTTP, real app)', () => {
  let server: RunningServer;
  let dir: string;
  const products = ['api', 'web', 'billing'];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-release-'));
    await writeFile(
      join(dir, 'deploy.js'),
      "const { SHIPLOG_PRODUCT: p, SHIPLOG_VERSION: v } = process.env; if (p === 'billing' && v === '2.0.0') { console.error('migration failed'); process.exit(1); } console.log('deployed ' + p + ' ' + v);",
    );
    server = await startServer();
    await server.request('PATCH', '/api/v1/environments/production', { executor: { type: 'command', command: [process.execPath, join(dir, 'deploy.js')], timeout_seconds: 30 } });
    for (const product of products) {
      for (const version of ['1.0.0', '2.0.0']) await server.request('POST', '/build-events/', { product_name: product, version, status: 'built' });
      const id = (await server.request('POST', '/api/v1/deployments', { application: product, version: '1.0.0', environment: 'production' })).body.deployment_id;
      await eventually(async () => expect((await server.request('GET', `/deployments/${id}`)).body.status).toBe('completed'), { within: 5_000 });
    }
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(dir, { recursive: true, force: true });
  });

  const release = (applications: string[][], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    server.request('POST', '/api/v1/releases', { name: 'Q4 release', environment: 'production', applications: applications.map(([name, version]) => ({ name, version })), ...extra }, headers);
  const view = async (id: string) => (await server.request('GET', `/api/v1/releases/${id}`)).body;
  const settledAs = (id: string, status: string) => eventually(async () => expect((await view(id)).status).toBe(status), { within: 10_000 });

  it('deploys each application in order and reports progress', async () => {
    const created = await release([['api', '2.0.0'], ['web', '2.0.0']]);
    expect(created.status).toBe(202);
    expect(created.body).toEqual(expect.objectContaining({ name: 'Q4 release', environment: 'production', progress: { completed: 0, total: 2 } }));
    await settledAs(created.body.release_id, 'completed');
    const done = await view(created.body.release_id);
    expect(done.progress).toEqual({ completed: 2, total: 2 });
    expect(done.applications).toEqual([expect.objectContaining({ name: 'api', version: '2.0.0', status: 'completed' }), expect.objectContaining({ name: 'web', version: '2.0.0', status: 'completed' })]);
    expect(done.history.map((h: { type: string }) => h.type)).toEqual([
      'release.planned', 'release.started',
      'release.application_dispatched', 'release.application_completed',
      'release.application_dispatched', 'release.application_completed',
      'release.completed',
    ]);
    const deployment = (await server.request('GET', `/deployments/${done.applications[0].deployment_id}`)).body;
    expect(deployment).toEqual(expect.objectContaining({ version: '2.0.0', status: 'completed' }));
    const [latest] = (await server.request('GET', '/deployments/?product=web&environment=production&limit=1')).body.items;
    expect(latest).toEqual(expect.objectContaining({ version: '2.0.0', status: 'completed' }));
  });

  it('starts a scheduled release at its start time (durable timer)', async () => {
    const start = new Date(Date.now() + 1_500).toISOString();
    const created = await release([['api', '2.0.0']], { schedule: { start_time: start } });
    expect(created.body.status).toBe('scheduled');
    await settledAs(created.body.release_id, 'completed');
    const started = (await view(created.body.release_id)).history.find((h: { type: string }) => h.type === 'release.started');
    expect(started.at >= start).toBe(true);
  });

  it('stops at a failing application and rolls back the ones it already deployed', async () => {
    const created = await release([['api', '2.0.0'], ['web', '2.0.0'], ['billing', '2.0.0'], ['search', '9.9.9']]);
    await settledAs(created.body.release_id, 'failed');
    const failed = await view(created.body.release_id);
    expect(failed.applications.map((a: { name: string; status: string }) => `${a.name}:${a.status}`)).toEqual(['api:completed', 'web:completed', 'billing:failed', 'search:skipped']);
    expect(failed.reason).toMatch(/^billing 2\.0\.0: deployment failed/);
    for (const product of ['api', 'web']) {
      await eventually(
        async () => {
          const [latest] = (await server.request('GET', `/deployments/?product=${product}&environment=production&limit=1`)).body.items;
          expect(latest).toEqual(expect.objectContaining({ version: '1.0.0', status: 'completed', is_rollback: true }));
        },
        { within: 10_000 },
      );
    }
    const [billing] = (await server.request('GET', '/deployments/?product=billing&environment=production&limit=1')).body.items;
    expect(billing).toEqual(expect.objectContaining({ version: '2.0.0', status: 'failed' }));
    expect((await server.request('GET', '/deployments/?product=search')).body.items).toEqual([]);
  });

  it('waits for approval by someone other than its creator; a scheduled one must start inside the maintenance window; cancel stops it', async () => {
    const created = await release([['api', '2.0.0']], { approval_required: 1 });
    expect(created.body.status).toBe('awaiting_approval');
    const self = await server.request('POST', `/api/v1/releases/${created.body.release_id}/approve`);
    expect(self.status).toBe(409);
    expect(self.body.detail).toMatch(/creator of a release cannot approve it/);
    const reviewer = (await server.request('POST', '/api/v1/tokens', { name: 'reviewer', role: 'operator' })).body.token as string;
    expect((await server.request('POST', `/api/v1/releases/${created.body.release_id}/approve`, undefined, { authorization: `Bearer ${reviewer}` })).status).toBe(201);
    await settledAs(created.body.release_id, 'completed');
    const refused = await release([['web', '2.0.0']], { approval_required: 1 });
    const rejected = await server.request('POST', `/api/v1/releases/${refused.body.release_id}/reject`, { comment: 'not now' }, { authorization: `Bearer ${reviewer}` });
    expect(rejected.body).toEqual(expect.objectContaining({ status: 'rejected', reason: 'not now', applications: [expect.objectContaining({ status: 'skipped' })] }));
    expect((await server.request('POST', `/api/v1/releases/${refused.body.release_id}/approve`, undefined, { authorization: `Bearer ${reviewer}` })).status).toBe(409);

    await server.request('PATCH', '/api/v1/environments/production', {
      policies: { mode: 'enforced', freezes: [], weekly_freezes: [], maintenance_window: { window: '22:00-23:00', time_zone: 'UTC' }, require_upstream: false },
    });
    const outside = await release([['web', '2.0.0']], { schedule: { start_time: '2099-01-01T09:00:00Z' } });
    expect(outside.body).toMatchObject({ status: 409, type: '/problems/policy-blocked', errors: [{ field: 'maintenance_window' }] });
    const later = await release([['web', '2.0.0']], { schedule: { start_time: '2099-01-01T22:00:00Z', duration: 30 } });
    expect(later.body).toEqual(expect.objectContaining({ status: 'scheduled', start_time: '2099-01-01T22:00:00.000Z', duration_minutes: 30 }));
    const cancelled = await server.request('POST', `/api/v1/releases/${later.body.release_id}/cancel`, { reason: 'not this quarter' });
    expect(cancelled.body).toEqual(expect.objectContaining({ status: 'cancelled', reason: 'not this quarter' }));
    const again = await server.request('POST', `/api/v1/releases/${later.body.release_id}/cancel`);
    expect([again.status, again.body.detail]).toEqual([409, expect.stringMatching(/already cancelled/)]);
    expect((await server.request('GET', '/deployments/?product=web&environment=production&limit=1')).body.items[0].version).toBe('1.0.0');
  });

  it('cancelling a deploying release stops its in-flight deployment', async () => {
    // staging has the default external executor: the deployment waits for CI reports that never come.
    const created = await server.request('POST', '/api/v1/releases', { name: 'to staging', environment: 'staging', applications: [{ name: 'api', version: '2.0.0' }, { name: 'web', version: '2.0.0' }] });
    await eventually(async () => expect((await view(created.body.release_id)).applications[0].status).toBe('deploying'), { within: 5_000 });
    const cancelled = await server.request('POST', `/api/v1/releases/${created.body.release_id}/cancel`);
    expect(cancelled.body.applications.map((a: { status: string }) => a.status)).toEqual(['deploying', 'skipped']);
    const deploymentId = cancelled.body.applications[0].deployment_id;
    // Already handed to the executor: the cancel is requested from it (the executor's webhook says cancel).
    await eventually(async () => expect((await server.request('GET', `/deployments/${deploymentId}`)).body).toMatchObject({ status: 'pending', phase: 'cancel_requested' }), { within: 5_000 });
    expect((await server.request('GET', '/deployments/?product=web&environment=staging')).body.items).toEqual([]);
  });

  it('runs from the CLI: create --wait exits non-zero when the release fails, naming the application', async () => {
    const env = { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN };
    const ok = await runCli(['release', 'create', 'small', '-e', 'production', '--app', 'api@2.0.0', '--wait'], env);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/^release [0-9a-f-]{36} "small" → production: scheduled \(0\/1\)/)]);
    expect(ok.stderr).toMatch(/: completed \(1\/1\)\n {2}api 2\.0\.0: completed/);
    const failed = await runCli(['release', 'create', 'Q4', '-e', 'production', '--app', 'web@2.0.0', '--app', 'billing@2.0.0', '--wait'], env);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/release [0-9a-f-]{36} failed: billing 2\.0\.0: deployment failed/);
    const id = /release ([0-9a-f-]{36})/.exec(failed.stdout)![1]!;
    expect((await runCli(['release', 'status', id], env)).stdout).toMatch(/web 2\.0\.0: completed\n {2}billing 2\.0\.0: failed/);
    const usage = await runCli(['release', 'create', 'x', '-e', 'production', '--app', 'api'], env);
    expect([usage.code, usage.stderr]).toEqual([1, expect.stringMatching(/expected name@version, got "api"/)]);
  });

  it('answers a retried create with the same release, and bad input with problem+json', async () => {
    const first = await release([['api', '2.0.0']], { approval_required: 1 }, { 'idempotency-key': 'rel-1' });
    const retry = await release([['api', '2.0.0']], { approval_required: 1 }, { 'idempotency-key': 'rel-1' });
    expect(retry.body.release_id).toBe(first.body.release_id);
    expect((await server.request('GET', '/api/v1/releases')).body.items).toHaveLength(1);

    const empty = await release([]);
    expect([empty.status, empty.headers.get('content-type')]).toEqual([400, expect.stringMatching(/application\/problem\+json/)]);
    expect(empty.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'applications' })]));
    const twice = await release([['api', '2.0.0'], ['api', '2.1.0']]);
    expect([twice.status, twice.body.detail]).toEqual([409, expect.stringMatching(/api appears twice/)]);
    const badName = await release([['Not A Name', '1']]);
    expect(badName.status).toBe(400);
    expect((await server.request('GET', '/api/v1/releases/not-an-id')).status).toBe(400);
    expect((await server.request('GET', '/api/v1/releases/00000000-0000-7000-8000-000000000000')).status).toBe(404);
  });
});
