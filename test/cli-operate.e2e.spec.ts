import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('operator CLI: deploy, logs, status, rollback, promote, approve (against the real server)', () => {
  let server: RunningServer;
  let scripts: string;
  const shiplog = (...args: string[]) => runCli(args, { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });

  beforeAll(async () => {
    scripts = await mkdtemp(join(tmpdir(), 'shiplog-cli-scripts-'));
    await writeFile(join(scripts, 'deploy.js'), "console.log('rolling out ' + process.env.SHIPLOG_VERSION); if (process.env.SHIPLOG_VERSION === '2.0.0') process.exit(1);");
  });
  afterAll(() => rm(scripts, { recursive: true, force: true }));

  beforeEach(async () => {
    server = await startServer();
    for (const env of ['staging', 'production']) {
      await server.request('PATCH', `/api/v1/environments/${env}`, { executor: { type: 'command', command: [process.execPath, join(scripts, 'deploy.js')], timeout_seconds: 30 } });
    }
    for (const version of ['1.0.0', '2.0.0']) await server.request('POST', '/build-events/', { product_name: 'api', version, status: 'built' });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('deploys and waits, shows the log and the status, promotes, and rolls back a failure', async () => {
    const deployed = await shiplog('deploy', 'api', '1.0.0', '--env', 'staging', '--reason', 'release 1', '--wait');
    expect(deployed.code).toBe(0);
    const id = /deployment (\S+) is pending/.exec(deployed.stdout)![1]!;
    expect(deployed.stderr).toMatch(/api 1\.0\.0 → staging: completed/);
    expect((await shiplog('logs', id)).stdout).toContain('rolling out 1.0.0');

    expect((await shiplog('promote', 'api', '--from', 'staging', '--to', 'production', '--wait')).code).toBe(0);
    const status = await shiplog('status', 'api');
    expect(status.stdout).toMatch(/staging\s+1\.0\.0\s+completed/);
    expect(status.stdout).toMatch(/production\s+1\.0\.0\s+completed/);

    const failed = await shiplog('deploy', 'api', '2.0.0', '--env', 'production', '--wait');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/failed: exit code 1/);

    const rollback = await shiplog('rollback', 'api', '--env', 'production', '--reason', 'bad release', '--wait');
    expect(rollback.code).toBe(0);
    expect(JSON.parse((await shiplog('status', 'api', '--env', 'production', '--json')).stdout)).toMatchObject({ current_version: '1.0.0', status: 'deployed', pinned: { version: '1.0.0' } });
    expect((await shiplog('unpin', 'api', '--env', 'production')).stdout).toBe('unpinned api in production\n');
  });

  it('follows a log until the deployment ends, and approves or cancels by id', async () => {
    await server.request('PATCH', '/api/v1/environments/production', { approval_required: 1 });
    const requested = await shiplog('deploy', 'api', '1.0.0', '--env', 'production');
    expect(requested.stdout).toMatch(/awaiting approval/);
    const id = /deployment (\S+) is/.exec(requested.stdout)![1]!;
    const reviewer = (await server.request('POST', '/api/v1/tokens', { name: 'reviewer', role: 'operator' })).body.token as string;
    const approved = await runCli(['approve', id, '--comment', 'ok'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: reviewer });
    expect(approved.stdout).toMatch(/dispatched/);
    const followed = await shiplog('logs', id, '-f');
    expect(followed.stdout).toContain('rolling out 1.0.0');
    expect(followed.stderr).toMatch(/-- deployment completed/);

    const other = await shiplog('deploy', 'api', '2.0.0', '--env', 'production');
    const otherId = /deployment (\S+) is/.exec(other.stdout)![1]!;
    expect((await shiplog('cancel', otherId, '--reason', 'wrong one')).stdout).toMatch(/is aborted/);
    expect((await shiplog('cancel', otherId)).stderr).toMatch(/HTTP 409 Deployment already finished/);
  });

  it('deploys with a strategy, shows its steps and traffic, pauses, promotes now and waits for the run', async () => {
    const deployed = await shiplog('deploy', 'api', '1.0.0', '--env', 'production', '--strategy', '{"name":"canary","initial_percentage":25,"increment":25,"interval":600}');
    expect(deployed.code).toBe(0);
    const id = /deployment (\S+) is/.exec(deployed.stdout)![1]!;
    await eventually(async () => expect((await shiplog('strategy', id)).stdout).toMatch(/running, step 1 of 4, next step at/));
    const shown = (await shiplog('strategy', id)).stdout;
    expect(shown).toContain('[█████░░░░░░░░░░░░░░░]  25 %');
    expect(shown).toMatch(/^\s+1\s+traffic\s+25 %\s+completed/m);
    expect(shown).toMatch(/^\s+4\s+traffic\s+100 %\s+pending$/m);

    expect((await shiplog('pause', id, '--reason', 'watching errors')).stdout).toMatch(/^pause: canary of api 1\.0\.0 → production: paused, step 1 of 4/);
    expect((await shiplog('promote-now', id, '--reason', 'all green')).code).toBe(0);
    const waited = await shiplog('strategy', id, '--wait');
    expect(waited.code).toBe(0);
    expect(waited.stderr).toMatch(/completed, step 4 of 4\s+\[█{20}\] 100 %/);
    expect((await shiplog('strategy', id)).stdout).toMatch(/^\s+2\s+traffic\s+50 %\s+skipped/m);

    const resumed = await shiplog('resume', id);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/already finished|completed/);
    const badJson = await shiplog('deploy', 'api', '2.0.0', '--env', 'production', '--strategy', '{"name": canary}');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--strategy is neither a strategy name nor valid JSON');
    const unknown = await shiplog('deploy', 'api', '2.0.0', '--env', 'production', '--strategy', 'linear');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/config\.strategy/);
  });
});
