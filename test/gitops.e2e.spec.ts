import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventually } from '../libs/testing/eventually';
import { runCli } from './support/cli';
import { gitHttpServer, hasGit } from './support/git-http';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

/** A real git repository on disk, written and committed by the test. */
const repository = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-gitops-repo-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  const commit = async (files: Record<string, string>, message: string): Promise<string> => {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
      await git.add({ fs, dir, filepath: file });
    }
    return git.commit({ fs, dir, message, author: { name: 'Release Bot', email: 'bot@example.com' } });
  };
  return { dir, url: pathToFileURL(dir).toString(), commit };
};

const manifest = (environment: string, products: Record<string, string>) =>
  `environment: ${environment}\nproducts:\n${Object.entries(products).map(([p, v]) => `  ${p}: "${v}"\n`).join('')}`;

type Change = { product: string; environment: string; current: string | null; desired: string; action: string; deployment_id?: string | null };

describe('GitOps (HTTP, real app, real git repositories)', () => {
  let server: RunningServer;
  let repo: Awaited<ReturnType<typeof repository>>;
  const post = (path: string, body: unknown = {}) => server.request('POST', path, body);
  const get = (path: string) => server.request('GET', path);
  const built = (product: string, version: string) => post('/build-events/', { product_name: product, version, status: 'built' });
  const succeed = (change: Change) => post('/deployment-events/', { product_name: change.product, environment_name: change.environment, version: change.desired, status: 'success', deployment_id: change.deployment_id });
  const addSource = async (body: Record<string, unknown> = {}) => {
    const added = await post('/api/v1/gitops/sources', { repo_url: repo.url, path: '/deploy', interval: 3600, ...body });
    expect(added.status).toBe(201);
    return added.body.source_id as string;
  };

  beforeEach(async () => {
    repo = await repository();
    // Syncs by hand here: the watcher (a reactor) would race the test's own syncs. The watch test turns it on.
    server = await startServer({ env: { SHIPLOG_REACTORS: 'off' } });
    for (const [product, version] of [['api', '1.0.0'], ['api', '1.1.0'], ['web', '2.0.0']] as const) await built(product, version);
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('diffs and syncs the manifests at the branch head; a new commit deploys only what changed', async () => {
    const first = await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.0.0', web: '2.0.0' }), 'README.md': 'not a manifest' }, 'first');
    const id = await addSource();
    expect((await get(`/api/v1/gitops/sources/${id}`)).body).toMatchObject({ repo_url: repo.url, branch: 'main', path: '/deploy', interval_seconds: 3600, last_commit: null });
    expect((await get('/api/v1/gitops/sources')).body.items.map((s: { source_id: string }) => s.source_id)).toEqual([id]);
    const other = await addSource({ path: '/other' });
    expect((await get('/api/v1/gitops/sources')).body.items.map((s: { source_id: string }) => s.source_id)).toEqual([id, other]);
    await server.request('DELETE', `/api/v1/gitops/sources/${other}`);

    const diff = (await get(`/api/v1/gitops/sources/${id}/diff`)).body;
    expect(diff).toEqual({
      source_id: id,
      commit: first,
      changes: [
        { product: 'api', environment: 'production', current: null, desired: '1.0.0', action: 'deploy', file: 'deploy/production.yaml' },
        { product: 'web', environment: 'production', current: null, desired: '2.0.0', action: 'deploy', file: 'deploy/production.yaml' },
      ],
    });

    const synced = await post(`/api/v1/gitops/sources/${id}/sync`);
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({ commit: first, errors: [], drift: [] });
    const changes = synced.body.changes as Change[];
    expect(changes.map((c) => `${c.product} ${c.desired}`)).toEqual(['api 1.0.0', 'web 2.0.0']);
    const deployment = (await get(`/deployments/${changes[0]!.deployment_id}`)).body;
    expect(deployment).toMatchObject({ kind: 'deploy', version: '1.0.0', reason: expect.stringContaining(`@${first.slice(0, 7)}`) });
    for (const change of changes) await succeed(change);
    expect((await get(`/api/v1/gitops/sources/${id}/diff`)).body.changes).toEqual([]);
    expect((await get(`/api/v1/gitops/sources/${id}`)).body).toMatchObject({ last_commit: first, last_outcome: 'synced' });

    const second = await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.1.0', web: '2.0.0' }) }, 'api 1.1.0');
    expect((await get(`/api/v1/gitops/sources/${id}/diff`)).body).toMatchObject({ commit: second, changes: [{ product: 'api', current: '1.0.0', desired: '1.1.0', action: 'deploy' }] });
    const next = (await post(`/api/v1/gitops/sources/${id}/sync`)).body;
    expect(next.changes).toEqual([expect.objectContaining({ product: 'api', desired: '1.1.0', deployment_id: expect.any(String), error: null })]);

    // Synced again while 1.1.0 is in flight: nothing new is requested.
    const again = (await post(`/api/v1/gitops/sources/${id}/sync`)).body;
    expect(again).toMatchObject({ changes: [], drift: [{ product: 'api', action: 'in_flight' }] });
  });

  it('watches the branch: a new commit is synced within its interval and recorded with its sha', async () => {
    await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.0.0' }) }, 'first');
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { SHIPLOG_GITOPS_TICK_MS: '100' } });
    const id = await addSource({ interval: 1 });
    await eventually(async () => expect((await get('/deployments/?product=api&environment=production')).body.items).toHaveLength(1), { within: 5_000 });
    const first = (await get('/deployments/?product=api&environment=production')).body.items[0];
    await succeed({ product: 'api', environment: 'production', current: null, desired: '1.0.0', action: 'deploy', deployment_id: first.id });

    const second = await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.1.0' }) }, 'bump');
    await eventually(async () => expect((await get(`/api/v1/gitops/sources/${id}`)).body).toMatchObject({ last_commit: second, last_outcome: 'synced' }), { within: 5_000 });
    const items = (await get('/deployments/?product=api&environment=production')).body.items as { version: string }[];
    expect(items.map((d) => d.version)).toEqual(['1.1.0', '1.0.0']);
  });

  it('watches again a commit whose sync left a lane behind (a deploy refused until its build completes)', async () => {
    await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.0.0', web: '2.1.0' }) }, 'web 2.1.0 before its build');
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { SHIPLOG_GITOPS_TICK_MS: '100' } });
    const id = await addSource({ interval: 1 });
    await eventually(async () => expect((await get(`/api/v1/gitops/sources/${id}`)).body).toMatchObject({ last_outcome: 'synced', unsettled: true }), { within: 5_000 });
    expect((await get('/deployments/?product=web')).body.items).toEqual([]);
    await built('web', '2.1.0');
    await eventually(async () => expect((await get('/deployments/?product=web')).body.items).toEqual([expect.objectContaining({ version: '2.1.0', kind: 'deploy' })]), { within: 5_000 });
    expect((await get('/deployments/?product=api')).body.items).toHaveLength(1); // the same commit, api requested once
    // While api stays in flight the watcher keeps trying, recording nothing new.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const recorded = (await get(`/api/v1/audit?stream=${encodeURIComponent(`gitops-${id}`)}`)).body.items as { type: string }[];
    expect(recorded.map((e) => e.type)).toEqual(['gitops.source_added', 'gitops.synced', 'gitops.synced']);
  });

  it('an invalid manifest deploys nothing and names each offending field', async () => {
    const bad = await repo.commit({ 'deploy/production.yaml': 'environment: production\nproducts:\n  api: 1.10\n  "bad name!": "1.0.0"\nextra: true\n', 'deploy/broken.yml': 'products: [unclosed' }, 'oops');
    const id = await addSource();
    const synced = await post(`/api/v1/gitops/sources/${id}/sync`);
    expect(synced.status).toBe(422);
    expect(synced.headers.get('content-type')).toContain('application/problem+json');
    expect(synced.body.detail).toContain(`at ${bad.slice(0, 7)} are invalid; nothing was deployed`);
    const fields = (synced.body.errors as { field: string; message: string }[]).map((e) => `${e.field}: ${e.message}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deploy\/broken\.yml: not valid YAML/),
        'deploy/production.yaml: extra: unknown key',
        'deploy/production.yaml: products.api: 1.1 is a number; quote the version ("1.1")',
        expect.stringMatching(/^deploy\/production\.yaml: products\.bad name!: "bad name!" is not a valid product name/),
      ]),
    );
    expect((await get('/deployments/?product=api')).body.items).toEqual([]);
    expect((await get(`/api/v1/gitops/sources/${id}`)).body).toMatchObject({ last_commit: bad, last_outcome: 'failed' });
    expect((await get(`/api/v1/gitops/sources/${id}/diff`)).status).toBe(422);
  });

  it('reports a lane pinned by a rollback as drift and never overwrites it', async () => {
    await post('/deployment-events/', { product_name: 'api', environment_name: 'production', version: '1.0.0', status: 'success' });
    await post('/deployment-events/', { product_name: 'api', environment_name: 'production', version: '1.1.0', status: 'failed' });
    const rollback = await post('/api/v1/environments/production/rollback', { product: 'api', reason: 'bad release' });
    expect(rollback.status).toBe(202);
    await succeed({ product: 'api', environment: 'production', current: null, desired: '1.0.0', action: 'deploy', deployment_id: rollback.body.deployment_id });

    await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.1.0' }) }, 'try again');
    const id = await addSource();
    expect((await get(`/api/v1/gitops/sources/${id}/diff`)).body.changes).toEqual([expect.objectContaining({ product: 'api', current: '1.0.0', desired: '1.1.0', action: 'pinned' })]);
    const synced = (await post(`/api/v1/gitops/sources/${id}/sync`)).body;
    expect(synced).toMatchObject({ changes: [], drift: [{ product: 'api', action: 'pinned' }] });
    const latest = (await get('/deployments/?product=api&environment=production&limit=1')).body.items[0];
    expect(latest).toMatchObject({ version: '1.0.0', kind: 'rollback' });
  });

  it('refuses bad sources with every offending field, and unknown ids with 404', async () => {
    const withToken = await post('/api/v1/gitops/sources', { repo_url: 'https://x-access-token:ghp_secret123@github.com/acme/deploy.git' });
    expect(withToken.status).toBe(400);
    expect(withToken.body.errors).toEqual([expect.objectContaining({ field: 'repo_url', message: 'must not contain a user name or token' })]);
    expect(withToken.text).not.toContain('ghp_secret123');
    const bad = await post('/api/v1/gitops/sources', { repo_url: 'ftp://example.com/repo', branch: '-x', path: 'relative/../up', interval: 0, credentials: { variable: 'lower' } });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['branch', 'credentials.environment', 'credentials.variable', 'interval', 'path', 'repo_url']);
    expect((await get('/api/v1/gitops/sources/nope')).status).toBe(404);
    expect((await post('/api/v1/gitops/sources/nope/sync')).status).toBe(404);

    const missing = await addSource({ repo_url: pathToFileURL(join(repo.dir, 'does-not-exist')).toString() });
    const unreadable = await post(`/api/v1/gitops/sources/${missing}/sync`);
    expect(unreadable.status).toBe(422);
    expect(unreadable.body.errors[0]).toMatchObject({ field: 'repo_url' });
    expect((await server.request('DELETE', `/api/v1/gitops/sources/${missing}`)).status).toBe(204);
    expect((await get(`/api/v1/gitops/sources/${missing}`)).status).toBe(404);
  });

  const remote = hasGit() ? it : it.skip;
  if (!hasGit()) process.stdout.write('gitops: no git binary on this machine; the smart-HTTP remote test is skipped (file:// repositories are still tested)\n');
  remote('fetches an http(s) remote with a token from a secret variable; a wrong token is a clear 422', async () => {
    const commit = await repo.commit({ 'deploy/staging.yaml': manifest('staging', { api: '1.0.0' }) }, 'staging');
    const http = await gitHttpServer(dirname(repo.dir), { username: 'x-access-token', password: 'tok-123' });
    try {
      await server.request('PUT', '/api/v1/environments/staging/variables/GIT_TOKEN', { value: 'tok-123', secret: true });
      const repoUrl = `${http.url}/${repo.dir.split('/').pop()}/.git`;
      const id = await addSource({ repo_url: repoUrl, credentials: { environment: 'staging', variable: 'GIT_TOKEN' } });
      const synced = await post(`/api/v1/gitops/sources/${id}/sync`);
      expect(synced.status).toBe(200);
      expect(synced.body).toMatchObject({ commit, changes: [{ product: 'api', environment: 'staging', desired: '1.0.0', error: null }] });
      expect(JSON.stringify((await get(`/api/v1/gitops/sources/${id}`)).body)).not.toContain('tok-123');

      await server.request('PUT', '/api/v1/environments/staging/variables/GIT_TOKEN', { value: 'revoked', secret: true });
      const refused = await post(`/api/v1/gitops/sources/${id}/sync`);
      expect(refused.status).toBe(422);
      expect(refused.body.errors[0]).toMatchObject({ field: 'repo_url', message: expect.stringMatching(/401/) });
    } finally {
      await http.close();
    }
  });

  it('works from the CLI: add, diff, sync, list, remove', async () => {
    const commit = await repo.commit({ 'deploy/production.yaml': manifest('production', { api: '1.0.0', web: '9.9.9' }) }, 'first');
    const shiplog = (...args: string[]) => runCli(args, { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });
    const added = await shiplog('gitops', 'add', repo.url, '--path', '/deploy', '--interval', '600');
    expect(added.code).toBe(0);
    const id = added.stdout.split(' ')[0]!;
    expect(added.stdout).toContain(`${repo.url} main:/deploy every 600 s, last never synced`);
    expect((await shiplog('gitops', 'diff', id)).stdout).toMatch(new RegExp(`^at ${commit.slice(0, 7)}:\\n\\s+api\\s+production\\s+- → 1\\.0\\.0\\s+deploy`));
    const synced = await shiplog('gitops', 'sync', id);
    expect(synced.stdout).toMatch(/api\s+production\s+- → 1\.0\.0\s+deploy  \(deployment \S+\)/);
    expect(synced.stdout).toMatch(/web\s+production\s+- → 9\.9\.9\s+deploy  refused: .*9\.9\.9/);
    expect((await shiplog('gitops', 'list')).stdout).toContain(`last synced ${commit.slice(0, 7)}`);
    expect((await shiplog('gitops', 'add', 'ftp://nope')).code).toBe(2);
    expect((await shiplog('gitops', 'remove', id)).stdout).toBe(`removed ${id}\n`);
    expect((await shiplog('gitops', 'list')).stdout).toBe('no GitOps sources\n');
  });
});
