import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('shiplog tokens (CLI against the real server)', () => {
  let server: RunningServer;
  const env = () => ({ SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
  const secretIn = (stdout: string) => /(shp_[A-Za-z0-9_-]{43})/.exec(stdout)?.[1];

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('creates a scoped token shown once, lists it without its secret, and revokes it', async () => {
    const created = await runCli(['tokens', 'create', '--name', 'gha', '--role', 'ingest', '--product', 'api', '--product', 'web'], env());
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/shown only this once/);
    const secret = secretIn(created.stdout)!;
    const id = /Created token (\S+)/.exec(created.stdout)![1]!;
    const posted = await server.request('POST', '/build-events/', { product_name: 'api', version: '1', status: 'built' }, { authorization: `Bearer ${secret}` });
    expect(posted.status).toBe(201);

    const list = await runCli(['tokens', 'list'], env());
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+gha\\s+ingest\\s+shp_\\S+…\\s+products: api,web\\s+active`));
    expect(list.stdout).not.toContain(secret);

    expect((await runCli(['tokens', 'revoke', id], env())).stdout).toBe(`Revoked token ${id}.\n`);
    expect((await server.request('GET', '/builds/?product=api', undefined, { authorization: `Bearer ${secret}` })).status).toBe(401);
  });

  it('creates a token offline in the data dir, usable at once by the running server', async () => {
    const created = await runCli(['tokens', 'create', '--name', 'recovery', '--role', 'admin', '--data-dir', server.dataDir], {});
    expect(created.code).toBe(0);
    const secret = secretIn(created.stdout)!;
    expect((await server.request('GET', '/api/v1/tokens', undefined, { authorization: `Bearer ${secret}` })).body.items).toEqual([
      expect.objectContaining({ name: 'recovery', role: 'admin' }),
    ]);
  });

  it('refuses bad arguments and reports the server problem', async () => {
    const badRole = await runCli(['tokens', 'create', '--name', 'x', '--role', 'root'], env());
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/must be one of viewer, ingest, operator, admin, auditor/);
    const noStore = await runCli(['tokens', 'create', '--name', 'x', '--role', 'admin', '--data-dir', '/nonexistent-shiplog'], {});
    expect(noStore).toMatchObject({ code: 2, stderr: expect.stringMatching(/no Shiplog event store/) });
    const unauthorised = await runCli(['tokens', 'list'], { SHIPLOG_URL: server.url });
    expect(unauthorised).toMatchObject({ code: 2, stderr: expect.stringMatching(/HTTP 401 Authentication required/) });
  });
});
