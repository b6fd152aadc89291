import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

/**
 * Build → Upload → Deploy (command executor) → Verify (health check) → Success, or → automatic rollback.
 * The deploy script downloads the version's artifact from Shiplog and "installs" it into a state file; the
 * "application" is a local HTTP health endpoint that serves what is installed, and is down while 2.0.0 runs.
 */
describe('deployment pipeline with the Verify step (HTTP, real app)', () => {
  let server: RunningServer;
  let health: Server;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-pipeline-'));
    const stateFile = join(dir, 'running-version');
    await writeFile(
      join(dir, 'deploy.js'),
      `const { API_URL: api, SHIPLOG_VERSION: version, STATE_FILE, DEPLOY_TOKEN } = process.env;
      const get = (path) => fetch(api + path, { headers: { authorization: 'Bearer ' + DEPLOY_TOKEN } });
      (async () => {
        const [artifact] = (await (await get('/api/v1/artifacts?product=api&version=' + version)).json()).items;
        const bytes = Buffer.from(await (await get('/api/v1/artifacts/' + artifact.id + '/download')).arrayBuffer());
        require('node:fs').writeFileSync(STATE_FILE, bytes);
        console.log('deployed ' + version + ' from artifact ' + artifact.sha256.slice(0, 12));
      })().catch((error) => { console.error(error.message); process.exit(1); });`,
    );
    health = createServer((_request, response) => {
      void readFile(stateFile, 'utf8')
        .catch(() => '')
        .then((installed) => response.writeHead(installed === 'release 2.0.0' ? 500 : 200).end(installed));
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    server = await startServer();
    const url = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
    await server.request('PATCH', '/api/v1/environments/production', {
      executor: { type: 'command', command: [process.execPath, join(dir, 'deploy.js')], timeout_seconds: 30 },
      health_check: { url, interval_seconds: 1, timeout_ms: 500, verify_window_seconds: 1 },
      auto_rollback: true,
    });
    await server.request('PUT', '/api/v1/environments/production/variables/STATE_FILE', { value: stateFile });
    await server.request('PUT', '/api/v1/environments/production/variables/API_URL', { value: server.url });
    await server.request('PUT', '/api/v1/environments/production/variables/DEPLOY_TOKEN', { value: TEST_ADMIN_TOKEN, secret: true });
    for (const version of ['1.0.0', '2.0.0']) {
      await server.request('POST', '/build-events/', { product_name: 'api', version, status: 'started' });
      await server.request('POST', '/build-events/', { product_name: 'api', version, status: 'built' });
      const upload = await server.request('POST', `/api/v1/artifacts?product=api&version=${version}&name=app.txt`, `release ${version}`, { 'content-type': 'application/octet-stream' });
      expect(upload.status).toBe(201);
    }
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await new Promise<void>((resolve) => health.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const deploy = async (version: string) => (await server.request('POST', '/api/v1/deployments', { application: 'api', version, environment: 'production' })).body.deployment_id as string;
  const deployment = async (id: string) => (await server.request('GET', `/deployments/${id}`)).body;
  const logs = async (id: string) => ((await server.request('GET', `/api/deployments/${id}/logs`)).body.items as { line: string }[]).map((l) => l.line);

  it('verifies a healthy deployment before calling it completed', async () => {
    const id = await deploy('1.0.0');
    await eventually(async () => expect((await deployment(id)).status).toBe('completed'), { within: 5_000 });
    expect(await logs(id)).toEqual(expect.arrayContaining([expect.stringMatching(/^deployed 1\.0\.0 from artifact [0-9a-f]{12}$/), expect.stringMatching(/^verifying http/), expect.stringMatching(/answered 200$/)]));
    await eventually(async () => expect((await server.request('GET', '/api/v1/environments/production')).body.settings.status).toBe('healthy'), { within: 5_000 });
  });

  it('fails an unhealthy deployment, which rolls back automatically; the monitor records the transitions', async () => {
    const first = await deploy('1.0.0');
    await eventually(async () => expect((await deployment(first)).status).toBe('completed'), { within: 5_000 });
    const second = await deploy('2.0.0');
    await eventually(async () => expect(await deployment(second)).toMatchObject({ status: 'failed', extra_metadata: { error: expect.stringMatching(/^health check failed after the deploy: .* answered 500, expected 200/) } }), {
      within: 5_000,
    });
    const rollback = await eventually(
      async () => {
        const [latest] = (await server.request('GET', '/deployments/?environment=production&limit=1')).body.items;
        expect(latest).toMatchObject({ kind: 'rollback', version: '1.0.0', status: 'completed' });
        return latest;
      },
      { within: 5_000 },
    );
    expect(await logs(rollback.id)).toContainEqual(expect.stringMatching(/^deployed 1\.0\.0 from artifact/));
    await eventually(async () => expect((await server.request('GET', '/api/v1/environments/production')).body.settings.status).toBe('healthy'), { within: 5_000 });
    const transitions = (await server.request('GET', '/api/v1/audit?type=environment.health_changed')).body.items.map((e: { data: { status: string; previous: string } }) => `${e.data.previous}→${e.data.status}`);
    expect(transitions[0]).toMatch(/^unknown→/);
    expect(transitions.at(-1)).toMatch(/→healthy$/);
    transitions.slice(1).forEach((t: string, i: number) => expect(t.split('→')[0]).toBe(transitions[i].split('→')[1])); // only transitions are recorded
  });
});
