import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

const GITHUB_ACTIONS = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SHA: '0123abcd',
  GITHUB_REF_NAME: 'main',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_RUN_ID: '4242',
  GITHUB_ACTOR: 'octocat',
};

describe('shiplog track (CLI against the real server)', () => {
  let server: RunningServer;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('reports a deployment with the GitHub Actions run facts filled in', async () => {
    const started = await runCli(['track', 'deployment', '-p', 'api', '-v', '1.4.0', '-e', 'production', '-s', 'deploying'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN, ...GITHUB_ACTIONS });
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(/^deployment\.started api 1\.4\.0 → production \(deployment [0-9a-f-]{36}\)\n$/);
    const done = await runCli(['track', 'deployment', '-p', 'api', '-v', '1.4.0', '-e', 'production', '-s', 'success', '--json'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN, ...GITHUB_ACTIONS });
    const response = JSON.parse(done.stdout);
    const read = await server.request('GET', `/deployments/${response.deployment_id}`);
    expect(read.body).toMatchObject({
      status: 'completed',
      scm_sha: '0123abcd',
      scm_branch: 'main',
      build_url: 'https://github.com/acme/api/actions/runs/4242',
      deployed_by: 'octocat',
    });
  });

  it('reports a build with GitLab CI facts, explicit flags winning over detected ones', async () => {
    const gitlab = { GITLAB_CI: 'true', CI_COMMIT_SHA: 'feed', CI_COMMIT_REF_NAME: 'release', CI_JOB_URL: 'https://gitlab.example.com/jobs/9', GITLAB_USER_LOGIN: 'dev' };
    const result = await runCli(['track', 'build', '-p', 'api', '-v', '2.0.0', '-s', 'built', '--branch', 'hotfix', '--metadata', '{"tests": 120}'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN, ...gitlab });
    expect(result.code).toBe(0);
    const builds = await server.request('GET', '/builds/?product=api');
    expect(builds.body.items[0]).toMatchObject({
      status: 'completed',
      scm_sha: 'feed',
      scm_branch: 'hotfix',
      build_url: 'https://gitlab.example.com/jobs/9',
      built_by: 'gitlab-ci',
      extra_metadata: { tests: 120 },
    });
  });

  it('exits 2 with the problem detail when the server rejects the event', async () => {
    await runCli(['track', 'deployment', '-p', 'api', '-v', '1.0.0', '-e', 'prod', '-s', 'success'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    const result = await runCli(['track', 'deployment', '-p', 'api', '-v', '1.0.0', '-e', 'prod', '-s', 'failed'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/HTTP 409 Deployment already finished/);
    expect(result.stderr).toMatch(/status: deployment is already completed/);
  });

  it('lists the accepted statuses when the status is unknown', async () => {
    const result = await runCli(['track', 'build', '-p', 'api', '-v', '1.0.0', '-s', 'shipped'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/accepted: pending, queued, scheduled, started, in_progress, init, building/);
  });

  it('rejects bad arguments before sending anything', async () => {
    const result = await runCli(['track', 'deployment', '-p', 'api', '-v', '1.0.0', '-s', 'started'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/required option '-e, --environment <name>' not specified/);
    const metadata = await runCli(['track', 'build', '-p', 'api', '-v', '1', '-s', 'built', '--metadata', '[1]'], { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    expect(metadata.stderr).toMatch(/must be a JSON object/);
    expect((await server.request('GET', '/health')).body.details.event_store.head_position).toBe(0);
  });
});

describe('shiplog track retries', () => {
  let flaky: Server;
  const seen: { key: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    let calls = 0;
    flaky = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ key: request.headers['idempotency-key'] as string | undefined, body });
        calls += 1;
        if (calls <= 2) {
          response.writeHead(503, { 'retry-after': '0', 'content-type': 'application/problem+json' }).end('{"title":"busy"}');
          return;
        }
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ event_type: 'build.started', product_name: 'api', version: '1', build_id: 'b1' }));
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => flaky.close(() => resolve())));

  it('retries 503s with the same idempotency key, then succeeds', async () => {
    const { port } = flaky.address() as AddressInfo;
    const result = await runCli(['track', 'build', '-p', 'api', '-v', '1', '-s', 'started'], { SHIPLOG_URL: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/HTTP 503; retry 1\/5/);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(seen[0]!.key).toMatch(/^cli-[0-9a-f-]{36}$/);
  });

  it('exits 3 when the server cannot be reached', async () => {
    const result = await runCli(['track', 'build', '-p', 'api', '-v', '1', '-s', 'started', '--retries', '0'], { SHIPLOG_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
