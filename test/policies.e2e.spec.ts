import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

const NO_POLICIES = { mode: 'enforced', freezes: [], weekly_freezes: [], maintenance_window: null, require_upstream: false };

describe('policies (HTTP, real app)', () => {
  let server: RunningServer;
  const patch = (environment: string, body: unknown) => server.request('PATCH', `/api/v1/environments/${environment}`, body);
  const deploy = (version: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    server.request('POST', '/api/v1/deployments', { application: 'api', version, environment: 'production', ...extra }, headers);
  const now = Date.now();
  const iso = (offsetMinutes: number) => new Date(now + offsetMinutes * 60_000).toISOString();

  beforeEach(async () => {
    server = await startServer();
    for (const version of ['1.0.0', '2.0.0']) await server.request('POST', '/build-events/', { product_name: 'api', version, status: 'built' });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('refuses deploys during a freeze with 409 naming the rule and when it opens; an admin override is recorded', async () => {
    await patch('production', { policies: { ...NO_POLICIES, freezes: [{ start: iso(-60), end: iso(60), reason: 'black friday' }] } });
    const blocked = await deploy('1.0.0');
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ type: '/problems/policy-blocked', errors: [{ field: 'freeze', message: expect.stringMatching(/black friday \(opens at/) }] });
    expect(blocked.body.detail).toMatch(/Opens at/);

    const operator = (await server.request('POST', '/api/v1/tokens', { name: 'ops', role: 'operator' })).body.token;
    expect((await deploy('1.0.0', { override_reason: 'security fix' }, { authorization: `Bearer ${operator}` })).body.type).toBe('/problems/forbidden-role');
    const overridden = await deploy('1.0.0', { override_reason: 'security fix' });
    expect(overridden.status).toBe(202);
    const deployment = (await server.request('GET', `/deployments/${overridden.body.deployment_id}`)).body;
    expect(deployment.events[0].type).toBe('deployment.requested');
    const audit = (await server.request('GET', '/api/v1/audit?type=deployment.requested')).body.items[0].data;
    expect(audit).toMatchObject({ policy_override_reason: 'security fix', policy_violations: [{ rule: 'freeze' }] });
  });

  it('locks an environment (423) until unlocked, even for rollbacks', async () => {
    await server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: 'production', version: '1.0.0', status: 'success' });
    await server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: 'production', version: '2.0.0', status: 'success' });
    const locked = await server.request('POST', '/api/v1/environments/production/lock', { reason: 'incident 42' });
    expect(locked.body.lock).toMatchObject({ by: 'SHIPLOG_ADMIN_TOKEN', reason: 'incident 42', until: null });
    const refused = await deploy('1.0.0');
    expect(refused.status).toBe(423);
    expect(refused.body.detail).toMatch(/locked by SHIPLOG_ADMIN_TOKEN: incident 42/);
    expect((await server.request('POST', '/api/v1/environments/production/rollback', { product: 'api' })).status).toBe(423);
    expect((await server.request('DELETE', '/api/v1/environments/production/lock')).status).toBe(200);
    expect((await server.request('DELETE', '/api/v1/environments/production/lock')).body.type).toBe('/problems/not-locked');
    expect((await server.request('POST', '/api/v1/environments/production/rollback', { product: 'api' })).status).toBe(202);
  });

  it('requires the version to have completed upstream and soaked', async () => {
    await patch('staging', { promotes_to: 'production', soak_seconds: 3600 });
    await patch('production', { policies: { ...NO_POLICIES, require_upstream: true } });
    expect((await deploy('1.0.0')).body.errors).toEqual([{ field: 'upstream', message: 'version 1.0.0 has not completed in staging, which promotes here' }]);
    await server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: 'staging', version: '1.0.0', status: 'success' });
    expect((await deploy('1.0.0')).body.errors[0].message).toMatch(/still soaking in staging \(3600 s\) \(opens at/);
  });

  it('checks a deployment without doing it, and records violations in report-only mode', async () => {
    await patch('production', { policies: { ...NO_POLICIES, mode: 'report_only', freezes: [{ start: iso(-10), end: iso(10) }] }, approval_required: 1 });
    const check = await server.request('GET', '/api/v1/policies/check?product=api&environment=production&version=1.0.0');
    expect(check.body).toMatchObject({ allowed: true, mode: 'report_only', approvals_required: 1, violations: [{ rule: 'freeze' }] });
    expect((await deploy('1.0.0')).status).toBe(202);
  });

  it('scheduled deployments start only inside the maintenance window', async () => {
    await patch('production', { policies: { ...NO_POLICIES, maintenance_window: { window: '22:00-23:00', time_zone: 'UTC' } } });
    const day = new Date(now + 86_400_000).toISOString().slice(0, 10);
    expect((await deploy('1.0.0', { scheduled_at: `${day}T21:00:00Z` })).body).toMatchObject({ status: 409, errors: [{ field: 'maintenance_window' }] });
    expect((await deploy('1.0.0', { scheduled_at: `${day}T22:15:00Z` })).status).toBe(202);
  });

  it('refuses policy settings it cannot apply', async () => {
    const bad = await patch('production', { policies: { ...NO_POLICIES, weekly_freezes: [{ window: 'friday', time_zone: 'Mars/Olympus' }] } });
    expect(bad.body).toMatchObject({ status: 400, type: '/problems/invalid-settings' });
    const zone = await patch('production', { policies: { ...NO_POLICIES, maintenance_window: { window: '22:00-23:00', time_zone: 'Mars/Olympus' } } });
    expect(zone.body.errors).toEqual([{ field: 'time_zone', message: 'unknown time zone' }]);
    const shape = await patch('production', { policies: { mode: 'strict' } });
    expect(shape.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['policies.mode', 'policies.freezes', 'policies.require_upstream']));
  });

  it('gates CI with shiplog check: exit 0 when allowed, 5 when blocked', async () => {
    const env = { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN };
    expect(await runCli(['check', '-p', 'api', '-e', 'production', '-v', '1.0.0'], env)).toMatchObject({ code: 0, stdout: '✔ allowed in production\n' });
    await server.request('POST', '/api/v1/environments/production/lock', { reason: 'release freeze' });
    const blocked = await runCli(['check', '-p', 'api', '-e', 'production', '-v', '1.0.0'], env);
    expect(blocked).toMatchObject({ code: 5, stderr: expect.stringMatching(/✘ blocked in production:\n {2}lock: production is locked by SHIPLOG_ADMIN_TOKEN: release freeze/) });
  });
});
