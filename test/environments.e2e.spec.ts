import { removeDataDir, startServer, type RunningServer } from './support/server';

describe('environments and configuration versions (HTTP, real app)', () => {
  let server: RunningServer;
  const put = (config: unknown, environment = 'production') => server.request('PUT', '/api/v1/configurations', { environment, config });

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('creates environments as seed 002 does, and lists them in promotion order', async () => {
    const created = await server.request('POST', '/api/v1/environments', {
      name: 'production',
      type: 'kubernetes',
      config: { namespace: 'prod', replicas: 3, resources: { cpu: '2', memory: '4Gi' } },
    });
    expect(created).toMatchObject({ status: 202, body: { environment_id: 'production', status: 'created' } });
    await server.request('POST', '/api/v1/environments', { name: 'staging', type: 'kubernetes' });
    const list = await server.request('GET', '/api/v1/environments');
    expect(list.body.items.map((e: { name: string }) => e.name)).toEqual(['staging', 'production']);
    expect(list.body.items[1]).toMatchObject({ type: 'kubernetes', config_version: 1, status: 'unknown' });
  });

  it('versions configurations immutably: new versions, no-op repeats, diff, restore, YAML export', async () => {
    expect((await put({ replicas: 3, logging: 'info', resources: { cpu: '2' } })).body).toMatchObject({ version: 1, created: true });
    expect((await put({ logging: 'info', resources: { cpu: '2' }, replicas: 3 })).status).toBe(200);
    expect((await put({ replicas: 5, resources: { cpu: '4' }, caching: true })).body).toMatchObject({ version: 2 });
    const diff = await server.request('GET', '/api/v1/configurations/production/diff?from=1&to=2');
    expect(diff.body.changes).toEqual([
      { path: 'caching', change: 'added', to: true },
      { path: 'logging', change: 'removed', from: 'info' },
      { path: 'replicas', change: 'changed', from: 3, to: 5 },
      { path: 'resources.cpu', change: 'changed', from: '2', to: '4' },
    ]);
    const restored = await server.request('POST', '/api/v1/configurations/production/versions/1/restore');
    expect(restored.body).toMatchObject({ version: 3, restored_from: 1, config: { replicas: 3, logging: 'info' } });
    expect((await server.request('GET', '/api/v1/configurations/production/versions')).body.items.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    const yaml = await server.request('GET', '/api/v1/configurations/production/versions/2/export');
    expect(yaml.headers.get('content-type')).toMatch(/application\/yaml/);
    expect(yaml.text).toBe('replicas: 5\nresources:\n  cpu: "4"\ncaching: true\n');
    expect((await server.request('GET', '/api/v1/configurations/production/versions/9')).body).toMatchObject({ status: 404, type: '/problems/config-version-not-found' });
  });

  it('validates against the environment JSON Schema, reporting every error at once', async () => {
    const schema = { type: 'object', required: ['replicas', 'namespace'], properties: { replicas: { type: 'integer', minimum: 1 }, logging: { enum: ['debug', 'info'] } } };
    expect((await server.request('PATCH', '/api/v1/environments/production', { config_schema: schema })).status).toBe(200);
    const invalid = await put({ replicas: 0, logging: 'verbose' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.type).toBe('/problems/config-invalid');
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'config.namespace', message: "must have required property 'namespace'" }),
        expect.objectContaining({ field: 'config.replicas', message: 'must be >= 1' }),
        expect.objectContaining({ field: 'config.logging', accepted: ['debug', 'info'] }),
      ]),
    );
    expect((await put({ replicas: 2, namespace: 'prod' })).status).toBe(201);
    const badSchema = await server.request('PATCH', '/api/v1/environments/production', { config_schema: { type: 'objekt' } });
    expect(badSchema.body).toMatchObject({ status: 400, type: '/problems/invalid-settings', errors: [{ field: 'config_schema' }] });
  });

  it('compares two environments: settings, variables (secrets by fingerprint only), configuration', async () => {
    await server.request('PATCH', '/api/v1/environments/staging', { type: 'kubernetes', auto_rollback: false });
    await server.request('PATCH', '/api/v1/environments/production', { type: 'kubernetes', auto_rollback: true });
    await server.request('PUT', '/api/v1/environments/staging/variables/LOG_LEVEL', { value: 'debug' });
    await server.request('PUT', '/api/v1/environments/production/variables/LOG_LEVEL', { value: 'info' });
    await server.request('PUT', '/api/v1/environments/staging/variables/DB_PASSWORD', { value: 'same-secret-value', secret: true });
    await server.request('PUT', '/api/v1/environments/production/variables/DB_PASSWORD', { value: 'same-secret-value', secret: true });
    await put({ scaling: '1 instance', caching: false }, 'staging');
    await put({ scaling: 'auto', caching: true }, 'production');
    const compare = await server.request('GET', '/api/v1/environments/compare?a=staging&b=production');
    expect(compare.text).not.toContain('same-secret-value');
    expect(compare.body.settings).toEqual(expect.arrayContaining([{ key: 'type', a: 'kubernetes', b: 'kubernetes', same: true }, { key: 'auto_rollback', a: false, b: true, same: false }]));
    expect(compare.body.variables).toEqual([
      { name: 'DB_PASSWORD', product: null, secret: true, a: '********', b: '********', same: true },
      { name: 'LOG_LEVEL', product: null, secret: false, a: 'debug', b: 'info', same: false },
    ]);
    expect(compare.body.config.changes).toEqual([
      { path: 'caching', change: 'changed', from: false, to: true },
      { path: 'scaling', change: 'changed', from: '1 instance', to: 'auto' },
    ]);
  });

  it('speaks seed 003 at /api/projects/:id/environments', async () => {
    await server.request('POST', '/deployment-events/', { product_name: 'web', environment_name: 'staging', version: '1.0.0', status: 'success' });
    const updated = await server.request('PUT', '/api/projects/web/environments/staging', { url: 'https://staging.app.com', status: 'degraded', config: { replicas: 1 } });
    expect(updated.body).toMatchObject({ id: 'staging', projectId: 'web', url: 'https://staging.app.com', status: 'degraded', config: { replicas: 1 }, currentDeployment: expect.any(String) });
    expect((await server.request('GET', '/api/projects/web/environments')).body).toEqual([expect.objectContaining({ name: 'staging', status: 'degraded' })]);
    expect((await server.request('GET', '/api/projects/web/environments/nope')).status).toBe(404);
  });
});
