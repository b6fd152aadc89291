import { PROJECTIONS } from '../apps/server/infrastructure/projections';
import { READ_STORE, type ReadStore } from '../libs/read-models/read-store.port';
import { eventually } from '../libs/testing/eventually';
import { runCli } from './support/cli';
import { removeDataDir, settled, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('projection rebuild', () => {
  let server: RunningServer;

  /** Every document of every read model, sorted: equal dumps mean identical read models. */
  const dump = async () => {
    const readStore = server.app.get<ReadStore>(READ_STORE);
    const collections = PROJECTIONS.flatMap((p) => p.collections.map((c) => c.name));
    return Object.fromEntries(await Promise.all(collections.map(async (name) => [name, JSON.stringify(await readStore.find(name, { orderBy: [['id', 'asc']] }))] as const)));
  };
  const rebuild = async (name: string) => {
    expect((await server.request('POST', `/api/v1/admin/projections/${name}/rebuild`)).status).toBe(202);
    await eventually(async () => {
      const job = (await server.request('GET', '/api/v1/admin/projections')).body.items.find((p: { name: string }) => p.name === name).rebuild;
      expect(job.state).toBe('done');
    });
  };

  beforeEach(async () => {
    server = await startServer();
    for (const [product, environment, version, status] of [
      ['api', 'staging', '1.0.0', 'success'],
      ['api', 'production', '1.0.0', 'started'],
      ['api', 'production', '1.0.0', 'success'],
      ['web', 'production', '2.0.0', 'failed'],
      ['api', 'production', '1.1.0', 'started'],
      ['api', 'production', '0.9.0', 'started'],
    ]) {
      await server.request('POST', '/deployment-events/', { product_name: product, environment_name: environment, version, status });
    }
    await server.request('POST', '/build-events/', { product_name: 'api', version: '1.1.0', status: 'built', scm_sha: 'abc' });
    await server.request('PUT', '/api/v1/environments/production/variables/LOG_LEVEL', { value: 'info' });
    await server.request('POST', '/api/v1/artifacts?product=api&version=1.1.0&name=app.tgz', 'artifact bytes', { 'content-type': 'application/octet-stream' });
    await settled(server);
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('rebuilds every projection into read models identical to the incrementally built ones, twice', async () => {
    const incremental = await dump();
    expect(Object.values(incremental).every((rows) => rows.length > 2)).toBe(true);
    for (const { name } of PROJECTIONS) await rebuild(name);
    expect(await dump()).toEqual(incremental);
    for (const { name } of PROJECTIONS) await rebuild(name);
    expect(await dump()).toEqual(incremental);
  });

  it('keeps serving and projecting while it rebuilds', async () => {
    expect((await server.request('POST', '/api/v1/admin/projections/deployments/rebuild')).status).toBe(202);
    const posted = await server.request('POST', '/deployment-events/', { product_name: 'new', environment_name: 'dev', version: '1', status: 'started' });
    expect((await server.request('GET', `/deployments/${posted.body.deployment_id}`)).status).toBe(200);
    await eventually(async () => expect((await server.request('GET', '/api/v1/admin/projections')).body.items.find((p: { name: string }) => p.name === 'deployments').rebuild.state).toBe('done'));
    expect((await server.request('GET', `/deployments/${posted.body.deployment_id}`)).body.version).toBe('1');
    expect((await server.request('GET', '/deployments/?limit=100')).body.items).toHaveLength(6);
  });

  it('refuses an unknown projection, naming the known ones', async () => {
    const response = await server.request('POST', '/api/v1/admin/projections/nope/rebuild');
    expect(response.status).toBe(404);
    expect(response.body.detail).toMatch(/projections: deployments, builds, catalog, variables, artifacts/);
  });

  it('rebuilds from the CLI, through the server and offline on a data dir', async () => {
    const before = await dump();
    const online = await runCli(['projections', 'rebuild', 'deployments'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(online).toMatchObject({ code: 0, stdout: 'rebuilt deployments\n' });
    await server.stop();
    const offline = await runCli(['projections', 'rebuild', '--data-dir', server.dataDir], {});
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/rebuilt deployments, builds, catalog, variables, artifacts: \d+ events/);
    expect(offline.stderr).toMatch(/events\/s/);
    server = await startServer({ dataDir: server.dataDir });
    expect(await dump()).toEqual(before);
  });
});
