import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, spawnServer, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('a crash of the server process (kill -9) while a command deployment runs', () => {
  let dataDir: string;
  let scripts: string;
  let server: RunningServer | null = null;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'shiplog-crash-'));
    scripts = await mkdtemp(join(tmpdir(), 'shiplog-crash-scripts-'));
    await writeFile(join(scripts, 'hang.js'), "console.log('started, waiting'); setInterval(() => {}, 1000);");
  });
  afterAll(async () => {
    await server?.stop();
    await removeDataDir(dataDir);
    await rm(scripts, { recursive: true, force: true });
  });

  it('marks the lost deployment failed at the next start', async () => {
    const { child, url } = await spawnServer(dataDir);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as Record<string, unknown> & { items?: { line: string }[] };
    };
    await call('PATCH', '/api/v1/environments/production', { executor: { type: 'command', command: [process.execPath, join(scripts, 'hang.js')], timeout_seconds: 600 } });
    await call('POST', '/build-events/', { product_name: 'api', version: '1.0.0', status: 'built' });
    const { deployment_id } = (await call('POST', '/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production' })) as { deployment_id: string };
    await eventually(async () => expect((await call('GET', `/api/deployments/${deployment_id}/logs`)).items?.map((l) => l.line)).toContain('started, waiting'), { within: 5_000 });

    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    server = await startServer({ dataDir });
    await eventually(
      async () =>
        expect((await server!.request('GET', `/deployments/${deployment_id}`)).body).toMatchObject({
          status: 'failed',
          extra_metadata: { error: 'interrupted: the server stopped while the command ran' },
        }),
      { within: 5_000 },
    );
  });
});
