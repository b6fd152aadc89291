import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

const at = (hour: number, minute = 0) => `2026-11-20T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;

describe('time travel (HTTP, real app)', () => {
  let server: RunningServer;
  const report = (environment: string, version: string, status: string, time: string) =>
    server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: environment, version, status, occurred_at: time });
  const cell = async (time: string, environment = 'production') => (await server.request('GET', `/api/v1/state?at=${time}`)).body.rows[0]?.environments[environment] ?? null;

  beforeAll(async () => {
    server = await startServer();
    await report('staging', '1.0.0', 'success', at(8));
    await report('production', '1.0.0', 'started', at(9));
    await report('production', '1.0.0', 'success', at(9, 10));
    await report('staging', '2.0.0', 'success', at(10));
    await report('production', '2.0.0', 'started', at(11));
    await report('production', '2.0.0', 'success', at(11, 5));
    await report('production', '2.0.0', 'started', at(12)); // a redeploy
    await report('production', '2.0.0', 'failed', at(12, 5));
    await report('production', '1.0.0', 'started', at(13)); // a rollback
    await report('production', '1.0.0', 'success', at(13, 5));
  });
  afterAll(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('shows nothing before the first event', async () => {
    expect((await server.request('GET', `/api/v1/state?at=${at(7)}`)).body).toEqual({ at: at(7), environments: [], rows: [] });
  });

  it('shows each instant as it was: first deploy, upgrade, failed redeploy, rollback', async () => {
    expect(await cell(at(8, 30))).toBeNull();
    expect(await cell(at(9, 5))).toMatchObject({ current_version: null, latest_version: '1.0.0', status: 'started' });
    expect(await cell(at(10, 30))).toMatchObject({ current_version: '1.0.0', status: 'completed', drift: { upstream: 'staging', upstream_version: '2.0.0' } });
    expect(await cell(at(11, 30))).toMatchObject({ current_version: '2.0.0', status: 'completed', drift: null });
    expect(await cell(at(12, 30))).toMatchObject({ current_version: '2.0.0', latest_version: '2.0.0', status: 'failed' });
    expect(await cell(at(13, 30))).toMatchObject({ current_version: '1.0.0', status: 'completed', drift: { upstream: 'staging', upstream_version: '2.0.0' } });
    expect((await server.request('GET', `/api/v1/state?at=${at(8, 30)}`)).body.environments).toEqual(['staging']);
  });

  it('gives the history as it was with as_of', async () => {
    const history = (await server.request('GET', `/deployments/?environment=production&as_of=${at(12, 2)}`)).body.items;
    expect(history.map((d: { version: string; status: string }) => `${d.version}:${d.status}`)).toEqual(['2.0.0:started', '2.0.0:completed', '1.0.0:completed']);
  });

  it('is available from the CLI', async () => {
    const result = await runCli(['state', '--at', at(12, 30)], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(result.stdout).toMatch(/as of 2026-11-20T12:30:00.000Z\nPRODUCT\s+staging\s+production\napi\s+2\.0\.0 completed\s+2\.0\.0 failed/);
  });

  it('without at, answers the present', async () => {
    expect((await server.request('GET', '/api/v1/state')).body).toMatchObject({ at: null, environments: ['staging', 'production'] });
  });

  it('keeps apart lanes whose names extend one another (production, production-eu)', async () => {
    await report('production-eu', '0.9.0', 'success', at(8, 45));
    expect(await cell(at(8, 50))).toBeNull(); // production had nothing yet
    expect(await cell(at(8, 50), 'production-eu')).toMatchObject({ current_version: '0.9.0', status: 'completed' });
    expect(await cell(at(9, 5))).toMatchObject({ latest_version: '1.0.0', status: 'started' });
  });
});
