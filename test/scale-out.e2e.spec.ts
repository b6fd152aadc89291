import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, spawnServer, TEST_ADMIN_TOKEN } from './support/server';

type Replica = { name: string; child: ChildProcess; url: string };

const call = async (replica: Replica, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${replica.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const role = async (replica: Replica): Promise<string> => {
  const { body } = await call(replica, 'GET', '/health');
  return ((body['details'] as Record<string, { election?: { role: string } }>)['reactors']?.election?.role) ?? 'unknown';
};

/**
 * Two app processes on one data dir (SQLite allows several processes on one file): both serve HTTP and run
 * projections; only the holder of the `reactors` lease runs executors and sagas, and a standby takes over
 * when the holder dies. Each deployment's command runs exactly once.
 */
describe('scale-out: two replicas on one store', () => {
  let dataDir: string;
  let scripts: string;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'shiplog-replicas-'));
    scripts = await mkdtemp(join(tmpdir(), 'shiplog-replicas-scripts-'));
    await writeFile(join(scripts, 'deploy.js'), `require('node:fs').appendFileSync(${JSON.stringify(join(scripts, 'runs.log'))}, process.env.SHIPLOG_VERSION + '\\n');`);
    for (const name of ['replica-a', 'replica-b']) {
      const { child, url } = await spawnServer(dataDir, { SHIPLOG_INSTANCE_ID: name, SHIPLOG_LEASE_TTL_MS: '1500' });
      replicas.push({ name, child, url });
    }
  });
  afterAll(async () => {
    for (const { child } of replicas) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await Promise.all(replicas.map(({ child }) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
    await removeDataDir(dataDir);
    await rm(scripts, { recursive: true, force: true });
  });

  const runs = async () => (await readFile(join(scripts, 'runs.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('runs reactors on exactly one replica, serves reads from both, and fails over when the active one dies', async () => {
    await eventually(async () => expect((await Promise.all(replicas.map(role))).sort()).toEqual(['leader', 'standby']), { within: 5_000 });
    const [leader, standby] = (await role(replicas[0]!)) === 'leader' ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];

    // Commands through the standby; the leader's executor runs them.
    await call(standby, 'PATCH', '/api/v1/environments/production', { executor: { type: 'command', command: [process.execPath, join(scripts, 'deploy.js')], timeout_seconds: 30 } });
    for (const version of ['1.0.0', '2.0.0']) await call(standby, 'POST', '/build-events/', { product_name: 'api', version, status: 'built' });
    const first = await call(standby, 'POST', '/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production' });
    expect(first).toMatchObject({ status: 202 });
    const firstId = first.body['deployment_id'] as string;
    for (const replica of replicas) {
      await eventually(async () => expect((await call(replica, 'GET', `/deployments/${firstId}`)).body).toMatchObject({ status: 'completed' }), { within: 10_000 });
    }
    expect(await runs()).toEqual(['1.0.0']);

    process.kill(-leader.child.pid!, 'SIGKILL');
    await new Promise((resolve) => leader.child.once('exit', resolve));
    await eventually(async () => expect(await role(standby)).toBe('leader'), { within: 6_000 });

    const second = await call(standby, 'POST', '/api/v1/deployments', { application: 'api', version: '2.0.0', environment: 'production' });
    const secondId = second.body['deployment_id'] as string;
    await eventually(async () => expect((await call(standby, 'GET', `/deployments/${secondId}`)).body).toMatchObject({ status: 'completed' }), { within: 10_000 });
    expect(await runs()).toEqual(['1.0.0', '2.0.0']);
  });
});
