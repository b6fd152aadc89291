import { acceptedStatuses, BUILD_STATUS_ALIASES, CANONICAL_STATUSES, DEPLOYMENT_STATUS_ALIASES } from '../libs/domain/deployments/statuses';
import { removeDataDir, startServer, type RunningServer, type TestResponse } from './support/server';

/** The payloads of the Versioner documentation (seeds 000 and 001), verbatim. */
const VERSIONER = {
  deployments: {
    pending: { product_name: 'my-service', version: '1.2.3', environment_name: 'production', status: 'pending' },
    started: { product_name: 'my-service', version: '1.2.3', environment_name: 'production', status: 'started' },
    completed: { product_name: 'my-service', version: '1.2.3', environment_name: 'production', status: 'success' },
    failed: {
      product_name: 'my-service',
      version: '1.2.3',
      environment_name: 'production',
      status: 'failed',
      extra_metadata: { error: 'Lambda timeout after 30s' },
    },
    aborted: { product_name: 'my-service', version: '1.2.3', environment_name: 'production', status: 'cancelled' },
  },
  builds: {
    pending: { product_name: 'my-service', version: '1.2.3', status: 'pending', built_by: 'github-actions' },
    started: { product_name: 'my-service', version: '1.2.3', status: 'started', built_by: 'github-actions' },
    completed: { product_name: 'my-service', version: '1.2.3', status: 'completed', built_by: 'github-actions', scm_sha: 'abc123', build_url: 'https://github.com/...' },
    failed: { product_name: 'my-service', version: '1.2.3', status: 'failed', extra_metadata: { error: 'Compilation failed' } },
    aborted: { product_name: 'my-service', version: '1.2.3', status: 'abort' },
  },
  metadata: {
    product_name: 'my-service',
    version: '1.2.3',
    environment_name: 'production',
    status: 'success',
    deployed_by: 'john.doe',
    scm_branch: 'main',
    scm_sha: 'abc123def456',
    build_url: 'https://ci.example.com/builds/123',
    extra_metadata: { deployment_duration_seconds: 120, rollback_version: '1.2.2', deployment_notes: 'Hotfix for authentication bug' },
  },
  failureWithDetails: {
    product_name: 'my-service',
    version: '1.2.3',
    environment_name: 'production',
    status: 'failed',
    extra_metadata: { error: 'Connection timeout', error_code: 'TIMEOUT', stack_trace: '...' },
  },
} as const;

const deployment = (overrides: Record<string, unknown> = {}) => ({ ...VERSIONER.deployments.started, ...overrides });

describe('ingestion (HTTP, real app)', () => {
  let server: RunningServer;
  const post = (path: string, body: unknown, headers?: Record<string, string>) => server.request('POST', path, body, headers);
  const get = (path: string) => server.request('GET', path);
  const headPosition = async () => (await get('/health')).body.details.event_store.head_position as number;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  describe('the Versioner documentation examples', () => {
    it.each(CANONICAL_STATUSES.map((status) => [status]))('deployment %s: posted and read back', async (status) => {
      const posted = await post('/deployment-events/', VERSIONER.deployments[status]);
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({ status, event_type: `deployment.${status}`, product_name: 'my-service', environment_name: 'production' });
      const read = await get(`/deployments/${posted.body.deployment_id}`);
      expect(read.body).toMatchObject({ status, version: '1.2.3', product: 'my-service', environment: 'production' });
      if (status === 'failed') expect(read.body.extra_metadata).toEqual({ error: 'Lambda timeout after 30s' });
      expect(read.body.events.at(-1)).toMatchObject({ type: `deployment.${status}`, event_id: posted.body.event_id });
    });

    it.each(CANONICAL_STATUSES.map((status) => [status]))('build %s: posted and read back', async (status) => {
      const posted = await post('/build-events/', VERSIONER.builds[status]);
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({ status, event_type: `build.${status}`, product_name: 'my-service', version: '1.2.3' });
      const read = await get(`/builds/${posted.body.build_id}`);
      expect(read.body).toMatchObject({ status, version: '1.2.3', product: 'my-service' });
      if (status === 'completed') expect(read.body).toMatchObject({ scm_sha: 'abc123', build_url: 'https://github.com/...', built_by: 'github-actions' });
    });

    it('the metadata example keeps every field', async () => {
      const posted = await post('/deployment-events/', VERSIONER.metadata);
      const read = await get(`/deployments/${posted.body.deployment_id}`);
      expect(read.body).toMatchObject({
        status: 'completed',
        deployed_by: 'john.doe',
        scm_branch: 'main',
        scm_sha: 'abc123def456',
        build_url: 'https://ci.example.com/builds/123',
        extra_metadata: VERSIONER.metadata.extra_metadata,
      });
    });

    it('the failure with error details keeps them', async () => {
      await post('/deployment-events/', VERSIONER.deployments.started);
      const failed = await post('/deployment-events/', VERSIONER.failureWithDetails);
      expect(failed.status).toBe(201);
      const list = await get('/deployments/?status=failure');
      expect(list.body.items).toEqual([expect.objectContaining({ status: 'failed', extra_metadata: VERSIONER.failureWithDetails.extra_metadata })]);
    });

    it('a typical flow: build, then deploy; the deployment shows its build', async () => {
      await post('/build-events/', VERSIONER.builds.started);
      await post('/build-events/', VERSIONER.builds.completed);
      await post('/deployment-events/', VERSIONER.deployments.started);
      const done = await post('/deployment-events/', VERSIONER.deployments.completed);
      const read = await get(`/deployments/${done.body.deployment_id}`);
      expect(read.body.build).toMatchObject({ status: 'completed', scm_sha: 'abc123', build_url: 'https://github.com/...' });
      expect(read.body.events.map((e: { type: string }) => e.type)).toEqual(['deployment.started', 'deployment.completed']);
    });
  });

  describe('every alias', () => {
    it.each(acceptedStatuses(DEPLOYMENT_STATUS_ALIASES).map((alias) => [alias]))('deployment status "%s"', async (alias) => {
      const canonical = CANONICAL_STATUSES.find((s) => DEPLOYMENT_STATUS_ALIASES[s].includes(alias))!;
      const posted = await post('/deployment-events/', deployment({ status: alias.toUpperCase() }));
      expect(posted.body.status).toBe(canonical);
      expect((await get(`/deployments/?status=${alias}`)).body.items.map((d: { id: string }) => d.id)).toEqual([posted.body.deployment_id]);
    });

    it.each(acceptedStatuses(BUILD_STATUS_ALIASES).map((alias) => [alias]))('build status "%s"', async (alias) => {
      const canonical = CANONICAL_STATUSES.find((s) => BUILD_STATUS_ALIASES[s].includes(alias))!;
      const posted = await post('/build-events/', { ...VERSIONER.builds.started, status: ` ${alias} ` });
      expect(posted.body.status).toBe(canonical);
      expect((await get(`/builds/?status=${alias}`)).body.items).toHaveLength(1);
    });
  });

  describe('lifecycle rules', () => {
    it('supersedes the open deployment when another version starts in the lane', async () => {
      const first = await post('/deployment-events/', deployment({ version: '1.0.0' }));
      const second = await post('/deployment-events/', deployment({ version: '1.0.1' }));
      expect((await get(`/deployments/${first.body.deployment_id}`)).body).toMatchObject({ status: 'aborted', abort_reason: 'superseded' });
      expect((await get(`/deployments/${second.body.deployment_id}`)).body).toMatchObject({ status: 'started' });
      const lane = (await get('/state')).body.rows[0].environments.production;
      expect(lane).toMatchObject({ latest_version: '1.0.1', status: 'started', in_flight: { version: '1.0.1' } });
    });

    it('opens a new deployment on a redeploy of a finished version', async () => {
      const first = await post('/deployment-events/', deployment({ status: 'success' }));
      const again = await post('/deployment-events/', deployment({ status: 'deploying' }));
      expect(again.status).toBe(201);
      expect(again.body.deployment_id).not.toBe(first.body.deployment_id);
      await post('/deployment-events/', deployment({ status: 'success' }));
      expect((await get('/deployments/?product=my-service')).body.items.map((d: { status: string }) => d.status)).toEqual(['completed', 'completed']);
    });

    it('records a late start (occurred_at before the finish) without a new deployment', async () => {
      const done = await post('/deployment-events/', deployment({ status: 'success', occurred_at: '2026-11-23T10:05:00Z' }));
      const late = await post('/deployment-events/', deployment({ status: 'started', occurred_at: '2026-11-23T10:00:00Z' }));
      expect(late.status).toBe(201);
      expect(late.body).toMatchObject({ late: true, deployment_id: done.body.deployment_id });
      const read = await get(`/deployments/${done.body.deployment_id}`);
      expect(read.body.status).toBe('completed');
      expect(read.body.status_history).toContainEqual(expect.objectContaining({ status: 'started', late: true }));
      expect((await get('/deployments/')).body.items).toHaveLength(1);
    });

    it('detects a rollback to an older version and shows it in every vocabulary', async () => {
      await post('/deployment-events/', deployment({ version: '1.0.0', status: 'success' }));
      const v2 = await post('/deployment-events/', deployment({ version: '2.0.0', status: 'success' }));
      const rollback = await post('/deployment-events/', deployment({ version: '1.0.0', status: 'deploying' }));
      expect(rollback.body.is_rollback).toBe(true);
      const running = await get(`/api/v1/deployments/${rollback.body.deployment_id}/status`);
      expect(running.body).toMatchObject({ target: 'production', version: '1.0.0', current_version: '2.0.0', status: 'rolling_back' });
      await post('/deployment-events/', deployment({ version: '1.0.0', status: 'success' }));
      expect((await get(`/deployments/${rollback.body.deployment_id}`)).body).toMatchObject({ is_rollback: true, rollback_of: '2.0.0' });
      expect((await get(`/api/deployments/${v2.body.deployment_id}`)).body.status).toBe('rolled_back');
      expect((await get(`/api/v1/deployments/${rollback.body.deployment_id}/status`)).body).toMatchObject({ status: 'deployed', current_version: '1.0.0' });
    });

    it('speaks PRD-018 vocabulary at /api', async () => {
      await post('/build-events/', VERSIONER.builds.started);
      const building = await post('/deployment-events/', deployment({ deployed_by: 'ci' }));
      expect((await get(`/api/deployments/${building.body.deployment_id}`)).body).toMatchObject({
        id: building.body.deployment_id,
        projectId: 'my-service',
        environment: 'production',
        status: 'building',
        initiatedBy: 'ci',
      });
      await post('/build-events/', VERSIONER.builds.completed);
      expect((await get(`/api/deployments/${building.body.deployment_id}`)).body.status).toBe('deploying');
      await post('/deployment-events/', deployment({ status: 'cancel' }));
      const project = await get('/api/projects/my-service/deployments');
      expect(project.body.items).toEqual([expect.objectContaining({ status: 'cancelled', gitCommit: 'abc123' })]);
    });

    it('registers products and environments on first use', async () => {
      await post('/deployment-events/', deployment({ environment_name: 'staging' }));
      await post('/deployment-events/', deployment({ environment_name: 'production' }));
      await post('/build-events/', { ...VERSIONER.builds.started, product_name: 'other-service' });
      expect((await get('/products/')).body.items.map((p: { name: string }) => p.name)).toEqual(['my-service', 'other-service']);
      expect((await get('/environments/')).body.items.map((e: { name: string }) => e.name)).toEqual(['production', 'staging']);
    });

    it('shows the environment × product matrix in promotion order with drift against upstream', async () => {
      await post('/deployment-events/', deployment({ environment_name: 'production', version: '1.0.0', status: 'success', deployed_by: 'alice' }));
      await post('/deployment-events/', deployment({ environment_name: 'staging', version: '1.1.0', status: 'success' }));
      await post('/deployment-events/', deployment({ environment_name: 'dev', version: '1.1.0', status: 'success' }));
      const state = await get('/state');
      expect(state.body.environments).toEqual(['dev', 'staging', 'production']);
      const cells = state.body.rows[0].environments;
      expect(cells.dev).toMatchObject({ current_version: '1.1.0', drift: null });
      expect(cells.staging).toMatchObject({ current_version: '1.1.0', drift: null });
      expect(cells.production).toMatchObject({ current_version: '1.0.0', status: 'completed', deployed_by: 'alice', drift: { upstream: 'staging', upstream_version: '1.1.0' } });
    });

    it('filters history by every parameter', async () => {
      await post('/deployment-events/', deployment({ version: '1.0.0', status: 'success', deployed_by: 'alice', occurred_at: '2026-01-01T00:00:00Z' }));
      await post('/deployment-events/', deployment({ version: '1.0.1', status: 'failed', deployed_by: 'bob', occurred_at: '2026-02-01T00:00:00Z' }));
      await post('/deployment-events/', deployment({ environment_name: 'staging', version: '1.0.1', status: 'success', deployed_by: 'bob', occurred_at: '2026-03-01T00:00:00Z' }));
      const versions = async (query: string) => (await get(`/deployments/?${query}`)).body.items.map((d: { version: string; environment: string }) => `${d.version}@${d.environment}`);
      expect(await versions('environment=production')).toEqual(['1.0.1@production', '1.0.0@production']);
      expect(await versions('deployed_by=bob')).toEqual(['1.0.1@staging', '1.0.1@production']);
      expect(await versions('version=1.0.1&status=success')).toEqual(['1.0.1@staging']);
      expect(await versions('since=2026-01-15T00:00:00Z&until=2026-02-15T00:00:00Z')).toEqual(['1.0.1@production']);
      expect(await versions('product=nothing')).toEqual([]);
      // as_of: as it was on 2026-02-01 at noon — the staging deployment did not exist, 1.0.1 had failed.
      const then = await get('/deployments/?as_of=2026-02-01T12:00:00Z');
      expect(then.body.items.map((d: { version: string; status: string }) => `${d.version}:${d.status}`)).toEqual(['1.0.1:failed', '1.0.0:completed']);
    });
  });

  describe('idempotency', () => {
    it('returns the original response for a retried Idempotency-Key, even after the state moved on', async () => {
      const first = await post('/deployment-events/', deployment(), { 'idempotency-key': 'ci-run-42-start' });
      await post('/deployment-events/', deployment({ status: 'success' }));
      const retry = await post('/deployment-events/', deployment(), { 'idempotency-key': 'ci-run-42-start' });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect((await get('/deployments/')).body.items).toHaveLength(1);
    });

    it('treats event_id as the idempotency key', async () => {
      const first = await post('/build-events/', { ...VERSIONER.builds.started, event_id: 'evt-1' });
      const retry = await post('/build-events/', { ...VERSIONER.builds.started, event_id: 'evt-1' });
      expect(retry.body).toEqual(first.body);
      expect(await headPosition()).toBe(first.body.position);
    });

    it('refuses the same key with a different body: 422', async () => {
      await post('/deployment-events/', deployment(), { 'idempotency-key': 'k-1' });
      const reused = await post('/deployment-events/', deployment({ version: '9.9.9' }), { 'idempotency-key': 'k-1' });
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ type: '/problems/idempotency-key-reused', errors: [{ field: 'Idempotency-Key' }] });
    });

    it('appends once when the same key arrives concurrently', async () => {
      const responses = await Promise.all(Array.from({ length: 10 }, () => post('/deployment-events/', deployment({ status: 'success' }), { 'idempotency-key': 'same' })));
      expect(new Set(responses.map((r) => r.body.event_id)).size).toBe(1);
      expect(responses.every((r) => r.status === 201)).toBe(true);
      expect((await get('/deployments/')).body.items).toHaveLength(1);
    });

    it('200 parallel distinct deployments across 20 lanes plus 200 exact duplicates → exactly 200 deployments', async () => {
      const bodies = Array.from({ length: 200 }, (_, i) => ({
        product_name: `svc-${i % 4}`,
        environment_name: `env-${Math.floor(i / 4) % 5}`,
        version: `1.0.${i}`,
        status: 'success',
      }));
      const responses = await Promise.all([...bodies, ...bodies].map((body) => post('/deployment-events/', body)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(200);
      expect(statuses.filter((s) => s === 200)).toHaveLength(200);
      expect(responses.filter((r) => r.status === 200).every((r) => r.body.duplicate === true)).toBe(true);
      const all = await get('/deployments/?limit=1000');
      expect(all.body.items).toHaveLength(200);
      expect(new Set(all.body.items.map((d: { version: string }) => d.version)).size).toBe(200);
      expect((await get('/state')).body.rows).toHaveLength(4);
    });
  });

  describe('bad input: a 4xx problem naming the field; nothing appended', () => {
    const problem = async (response: TestResponse, status: number, type: string, field?: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type, status });
      if (field) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };

    it('409 for a different terminal status, stating the current one', async () => {
      await post('/deployment-events/', deployment({ status: 'success' }));
      const before = await headPosition();
      const response = await post('/deployment-events/', deployment({ status: 'error' }));
      await problem(response, 409, '/problems/terminal-status-conflict', 'status');
      expect(response.body.detail).toMatch(/already ended as "completed"/);
      expect(await headPosition()).toBe(before);
    });

    it('409 for another scm_sha on a known version (deployment or build)', async () => {
      await post('/build-events/', { ...VERSIONER.builds.completed });
      await problem(await post('/deployment-events/', deployment({ scm_sha: 'fff999' })), 409, '/problems/version-sha-conflict', 'scm_sha');
      await problem(await post('/build-events/', { ...VERSIONER.builds.started, scm_sha: 'fff999' }), 409, '/problems/version-sha-conflict', 'scm_sha');
    });

    it('409 for a build terminal conflict', async () => {
      await post('/build-events/', VERSIONER.builds.completed);
      await problem(await post('/build-events/', VERSIONER.builds.failed), 409, '/problems/terminal-status-conflict', 'status');
    });

    it('404 for an unknown deployment_id, 409 for a deployment_id of another version', async () => {
      const open = await post('/deployment-events/', deployment());
      await problem(await post('/deployment-events/', deployment({ status: 'success', deployment_id: 'nope' })), 404, '/problems/deployment-not-found', 'deployment_id');
      await problem(
        await post('/deployment-events/', deployment({ version: '7.7.7', status: 'success', deployment_id: open.body.deployment_id })),
        409,
        '/problems/deployment-mismatch',
        'version',
      );
    });

    it('400 for an unknown build status, listing the build aliases', async () => {
      const response = await post('/build-events/', { ...VERSIONER.builds.started, status: 'deploying' });
      await problem(response, 400, '/problems/unknown-status', 'status');
      expect(response.body.errors[0].accepted).toContain('building');
    });

    it('400 for unknown fields, too-long values, bad timestamps, oversized metadata', async () => {
      await problem(await post('/build-events/', { ...VERSIONER.builds.started, enviroment_name: 'x' }), 400, '/problems/validation-failed', 'enviroment_name');
      await problem(await post('/deployment-events/', deployment({ version: 'v'.repeat(129) })), 400, '/problems/validation-failed', 'version');
      await problem(await post('/deployment-events/', deployment({ product_name: 'p'.repeat(129) })), 400, '/problems/validation-failed', 'product_name');
      await problem(await post('/deployment-events/', deployment({ occurred_at: 'yesterday' })), 400, '/problems/validation-failed', 'occurred_at');
      await problem(await post('/deployment-events/', deployment({ extra_metadata: { blob: 'x'.repeat(70_000) } })), 400, '/problems/validation-failed', 'extra_metadata');
      await problem(await post('/deployment-events/', deployment({ extra_metadata: [1, 2] })), 400, '/problems/validation-failed', 'extra_metadata');
      await problem(await post('/deployment-events/', deployment(), { 'idempotency-key': 'x'.repeat(300) }), 400, '/problems/validation-failed', 'Idempotency-Key');
      await problem(await post('/deployment-events/', deployment({ event_id: 'a' }), { 'idempotency-key': 'b' }), 400, '/problems/validation-failed', 'event_id');
      expect(await headPosition()).toBe(0);
    });

    it('400 for bad query parameters', async () => {
      await problem(await get('/deployments/?since=last-week'), 400, '/problems/validation-failed', 'since');
      await problem(await get('/builds/?status=deploying'), 400, '/problems/unknown-status', 'status');
      await problem(await get('/state?product=bad%20name'), 400, '/problems/validation-failed', 'product');
    });

    it('404 problem for unknown ids', async () => {
      await problem(await get('/deployments/nope'), 404, '/problems/not-found');
      await problem(await get('/api/deployments/nope'), 404, '/problems/not-found');
      await problem(await get('/api/v1/deployments/nope/status'), 404, '/problems/not-found');
      await problem(await get('/builds/nope'), 404, '/problems/not-found');
    });
  });

  it('serves OpenAPI documentation at /docs with the Versioner examples', async () => {
    const spec = await get('/docs/openapi.json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/deployment-events', '/build-events', '/deployments', '/state', '/api/v1/deployments/{id}/status']));
    expect(spec.body.components.schemas.DeploymentEventDto.properties.product_name.example).toBe('my-service');
    const examples = spec.body.paths['/deployment-events'].post.requestBody.content['application/json'].examples;
    expect(examples.failed.value).toEqual(VERSIONER.deployments.failed);
    expect(spec.body.paths['/build-events'].post.requestBody.content['application/json'].examples.aborted.value).toEqual(VERSIONER.builds.aborted);
    expect((await get('/docs')).status).toBe(200);
  });
});
