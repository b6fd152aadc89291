import { createHash } from 'node:crypto';
import { runCli } from './support/cli';
import { dataFiles, removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('artifacts (HTTP, real app)', () => {
  let server: RunningServer;
  const upload = (version: string, content: string | Buffer, name = 'app.tgz') =>
    fetch(`${server.url}/api/v1/artifacts?product=api&version=${version}&name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: content,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> & { id: string } }));

  beforeEach(async () => {
    server = await startServer({ env: { SHIPLOG_ARTIFACT_MAX_BYTES: String(1024 * 1024), SHIPLOG_ARTIFACT_KEEP_VERSIONS: '2' } });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('stores an upload content-addressed, lists it by version, and downloads it intact', async () => {
    const content = Buffer.from('x'.repeat(200_000));
    const stored = await upload('1.0.0', content);
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ product: 'api', version: '1.0.0', name: 'app.tgz', size: 200_000, sha256: createHash('sha256').update(content).digest('hex') });
    expect((await upload('1.0.1', content, 'same.tgz')).status).toBe(201);
    expect(dataFiles(server.dataDir).filter((f) => f.includes('/artifacts/sha256/'))).toHaveLength(1); // equal content, one blob
    expect((await server.request('GET', '/api/v1/artifacts?product=api&version=1.0.0')).body.items).toEqual([expect.objectContaining({ id: stored.body.id })]);
    const download = await fetch(`${server.url}/api/v1/artifacts/${stored.body.id}/download`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="app.tgz"');
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    const build = (await server.request('GET', '/api/v1/audit?stream=build-api@1.0.0')).body.items;
    expect(build.map((e: { type: string }) => e.type)).toEqual(['artifact.stored']);
  });

  it('refuses an upload over the limit with 413 and keeps nothing, and a non-binary body with 415', async () => {
    const tooBig = await upload('1.0.0', Buffer.alloc(1024 * 1024 + 1));
    expect(tooBig).toMatchObject({ status: 413, body: { type: '/problems/payload-too-large' } });
    expect(dataFiles(server.dataDir).filter((f) => f.includes('/artifacts/'))).toEqual([]);
    const json = await server.request('POST', '/api/v1/artifacts?product=api&version=1.0.0&name=app.tgz', { not: 'binary' });
    expect(json.status).toBe(415);
    expect((await server.request('GET', '/api/v1/artifacts/nope')).body.type).toBe('/problems/artifact-not-found');
  });

  it('applies retention: keeps the newest versions and what is deployed; dry run first', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) await upload(version, `content of ${version}`);
    await server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: 'production', version: '1.0.0', status: 'success' });
    const env = { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN };
    const dry = await runCli(['artifacts', 'cleanup', '--dry-run'], env);
    expect(dry.stdout).toMatch(/would delete api 1\.1\.0 app\.tgz .*\n1 artifact\(s\) would delete\n$/);
    expect((await server.request('GET', '/api/v1/artifacts?product=api')).body.items).toHaveLength(4);
    expect((await runCli(['artifacts', 'cleanup'], env)).stdout).toMatch(/deleted api 1\.1\.0/);
    expect((await server.request('GET', '/api/v1/artifacts?product=api')).body.items.map((a: { version: string }) => a.version).sort()).toEqual(['1.0.0', '1.2.0', '1.3.0']);
    expect((await server.request('GET', '/api/v1/audit?type=artifact.deleted')).body.items[0].data).toMatchObject({ version: '1.1.0', reason: 'retention' });
    expect(dataFiles(server.dataDir).filter((f) => f.includes('/artifacts/sha256/'))).toHaveLength(3);
  });
});
