import { removeDataDir, startServer, type RunningServer, type TestResponse } from './support/server';

const report = (version: string, status: string, extra: Record<string, unknown> = {}) => ({
  product_name: 'api',
  environment_name: 'production',
  version,
  status,
  ...extra,
});

describe('control plane (HTTP, real app, external executor)', () => {
  let server: RunningServer;
  const post = (path: string, body?: unknown, headers?: Record<string, string>) => server.request('POST', path, body ?? {}, headers);
  const get = (path: string) => server.request('GET', path);
  const deployment = async (id: string) => (await get(`/deployments/${id}`)).body;
  const built = (version: string) => post('/build-events/', { product_name: 'api', version, status: 'built' });
  const expectProblem = (response: TestResponse, status: number, type: string) => {
    expect([response.status, response.body.type]).toEqual([status, type]);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
  };

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  describe('deploy', () => {
    it('accepts a built version with 202, dispatches it, and the pipeline reports back by deployment_id', async () => {
      await built('1.0.0');
      const accepted = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', reason: 'release', config: { strategy: 'direct' } });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ deployment_id: expect.any(String), status: 'pending', phase: 'dispatched' });
      const id = accepted.body.deployment_id;
      expect(await deployment(id)).toMatchObject({ kind: 'deploy', status: 'pending', phase: 'dispatched', reason: 'release', requested_by: 'SHIPLOG_ADMIN_TOKEN' });
      await post('/deployment-events/', report('1.0.0', 'deploying', { deployment_id: id }));
      await post('/deployment-events/', report('1.0.0', 'success', { deployment_id: id }));
      expect(await deployment(id)).toMatchObject({ status: 'completed', phase: null });
      expect((await get('/api/v1/environments/production/status?product=api')).body).toMatchObject({ target: 'production', current_version: '1.0.0', status: 'deployed' });
    });

    it('refuses impossible strategy parameters with 400 naming each field and what it accepts, and records nothing', async () => {
      await built('1.0.0');
      const refused = await post('/api/v1/deployments', {
        application: 'api',
        version: '1.0.0',
        environment: 'production',
        config: { strategy: { name: 'canary', initial_percentage: 150, increment: 0 } },
      });
      expectProblem(refused, 400, '/problems/invalid-strategy');
      expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['config.strategy.increment', 'config.strategy.initial_percentage']);
      const unknown = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', config: { strategy: 'yolo' } });
      expectProblem(unknown, 400, '/problems/invalid-strategy');
      expect(unknown.body.errors[0]).toMatchObject({ field: 'config.strategy', accepted: ['direct', 'canary', 'blue_green', 'rolling'] });
      expect((await get('/deployments/?product=api&environment=production')).body.items).toEqual([]);
      expect((await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', config: { strategy: 'canary' } })).status).toBe(202);
    });

    it('speaks seed 003 at POST /api/deployments', async () => {
      await built('2.0.0');
      const accepted = await post('/api/deployments', { projectId: 'api', environment: 'staging', version: '2.0.0', config: {} });
      expect(accepted.status).toBe(202);
      expect((await get(`/api/deployments/${accepted.body.deployment_id}`)).body).toMatchObject({ projectId: 'api', environment: 'staging', status: 'pending' });
    });

    it('refuses an unknown version unless forced with a reason', async () => {
      expectProblem(await post('/api/v1/deployments', { application: 'api', version: '9.9.9', environment: 'production' }), 409, '/problems/unknown-version');
      expectProblem(await post('/api/v1/deployments', { application: 'api', version: '9.9.9', environment: 'production', force: true }), 400, '/problems/reason-required');
      expect((await post('/api/v1/deployments', { application: 'api', version: '9.9.9', environment: 'production', force: true, reason: 'hotfix' })).status).toBe(202);
    });

    it('accepts a version deployed earlier elsewhere, and refuses while another deployment is in flight', async () => {
      await post('/deployment-events/', report('3.0.0', 'success', { environment_name: 'staging' }));
      expect((await post('/api/v1/deployments', { application: 'api', version: '3.0.0', environment: 'production' })).status).toBe(202);
      expectProblem(await post('/api/v1/deployments', { application: 'api', version: '3.0.0', environment: 'production' }), 409, '/problems/deployment-in-flight');
    });

    it('keeps a scheduled deployment pending until its time', async () => {
      await built('1.0.0');
      const accepted = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', scheduled_at: '2099-01-01T00:00:00Z' });
      expect(accepted.body).toMatchObject({ status: 'pending', phase: 'scheduled' });
      expect(await deployment(accepted.body.deployment_id)).toMatchObject({ phase: 'scheduled', scheduled_at: '2099-01-01T00:00:00.000Z' });
    });

    it('refuses bad requests with the field named', async () => {
      const bad = await post('/api/v1/deployments', { application: 'bad name', version: '', environment: 'production', scheduled_at: 'soon', colour: 'blue' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['application', 'colour', 'scheduled_at', 'version']);
    });
  });

  describe('cancel', () => {
    it('aborts a deployment no executor started, and refuses a finished one', async () => {
      await built('1.0.0');
      const scheduled = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', scheduled_at: '2099-01-01T00:00:00Z' });
      const cancelled = await post(`/api/deployments/${scheduled.body.deployment_id}/cancel`, { reason: 'not today' });
      expect(cancelled).toMatchObject({ status: 202, body: { status: 'aborted' } });
      expect(await deployment(scheduled.body.deployment_id)).toMatchObject({ status: 'aborted', abort_reason: 'cancelled' });
      expectProblem(await post(`/api/deployments/${scheduled.body.deployment_id}/cancel`), 409, '/problems/deployment-finished');
      expectProblem(await post('/api/deployments/nope/cancel'), 404, '/problems/not-found');
    });

    it('asks the pipeline to stop a running deployment, which then reports aborted', async () => {
      const running = await post('/deployment-events/', report('1.0.0', 'started'));
      const cancelled = await post(`/api/deployments/${running.body.deployment_id}/cancel`);
      expect(cancelled.body).toMatchObject({ status: 'pending', phase: 'cancel_requested' });
      await post('/deployment-events/', report('1.0.0', 'cancelled', { deployment_id: running.body.deployment_id }));
      expect(await deployment(running.body.deployment_id)).toMatchObject({ status: 'aborted' });
    });
  });

  describe('rollback and pinning', () => {
    beforeEach(async () => {
      await post('/deployment-events/', report('1.0.0', 'success'));
      await post('/deployment-events/', report('2.0.0', 'success'));
    });

    it('rolls back to the previous successful version, pins the lane, refuses deploys until unpinned', async () => {
      const current = (await get('/deployments/?environment=production&limit=1')).body.items[0].id;
      const rollback = await post(`/api/deployments/${current}/rollback`, { reason: 'errors up' });
      expect(rollback.status).toBe(202);
      expect(await deployment(rollback.body.deployment_id)).toMatchObject({ kind: 'rollback', version: '1.0.0', is_rollback: true, rollback_of: '2.0.0' });
      expect((await get('/api/v1/environments/production/status?product=api')).body).toMatchObject({ status: 'pending', pinned: { version: '1.0.0' } });
      await post('/deployment-events/', report('1.0.0', 'started', { deployment_id: rollback.body.deployment_id }));
      expect((await get('/api/v1/environments/production/status?product=api')).body).toMatchObject({ status: 'rolling_back', current_version: '2.0.0' });

      expectProblem(await post('/api/v1/deployments', { application: 'api', version: '2.0.0', environment: 'production' }), 409, '/problems/lane-pinned');
      await post('/deployment-events/', report('1.0.0', 'success', { deployment_id: rollback.body.deployment_id }));
      const flagged = await post('/deployment-events/', report('2.1.0', 'started'));
      expect(await deployment(flagged.body.deployment_id)).toMatchObject({ while_pinned: true });
      await post('/deployment-events/', report('2.1.0', 'failed'));

      expect((await post('/api/v1/lanes/api/production/unpin')).status).toBe(201);
      expectProblem(await post('/api/v1/lanes/api/production/unpin'), 409, '/problems/not-pinned');
      expect((await post('/api/v1/deployments', { application: 'api', version: '2.0.0', environment: 'production' })).status).toBe(202);
    });

    it('rolls back an environment to an explicit version, or refuses one that never ran there', async () => {
      const explicit = await post('/api/v1/environments/production/rollback', { product: 'api', version: '1.0.0' });
      expect(explicit.status).toBe(202);
      await post('/api/deployments/' + explicit.body.deployment_id + '/cancel');
      await post('/api/v1/lanes/api/production/unpin');
      expectProblem(await post('/api/v1/environments/production/rollback', { product: 'api', version: '7.7.7' }), 409, '/problems/no-rollback-target');
    });
  });

  describe('promotion', () => {
    it('promotes the version completed in the source environment', async () => {
      await post('/deployment-events/', report('4.0.0', 'success', { environment_name: 'staging' }));
      const promoted = await post('/api/v1/promotions', { product: 'api', from: 'staging', to: 'production' });
      expect(promoted.status).toBe(202);
      expect(await deployment(promoted.body.deployment_id)).toMatchObject({ kind: 'promotion', version: '4.0.0', environment: 'production', promoted_from: 'staging' });
    });

    it('refuses when nothing completed in the source, or the version did not', async () => {
      expectProblem(await post('/api/v1/promotions', { product: 'api', from: 'staging', to: 'production' }), 409, '/problems/nothing-to-promote');
      await post('/deployment-events/', report('4.0.0', 'failed', { environment_name: 'staging' }));
      expectProblem(await post('/api/v1/promotions', { product: 'api', from: 'staging', to: 'production', version: '4.0.0' }), 409, '/problems/nothing-to-promote');
    });
  });

  describe('approvals', () => {
    const token = async (name: string) => (await post('/api/v1/tokens', { name, role: 'operator' })).body.token as string;

    it('waits for n distinct approvers other than the requester, then dispatches', async () => {
      expect((await server.request('PATCH', '/api/v1/environments/production', { approval_required: 2 })).status).toBe(200);
      const [alice, bob, carol] = [await token('alice'), await token('bob'), await token('carol')];
      await built('1.0.0');
      const requested = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production' }, { authorization: `Bearer ${alice}` });
      expect(requested.body).toMatchObject({ phase: 'awaiting_approval' });
      const id = requested.body.deployment_id;
      expectProblem(await post(`/api/v1/deployments/${id}/approve`, {}, { authorization: `Bearer ${alice}` }), 403, '/problems/self-approval');
      expect((await post(`/api/v1/deployments/${id}/approve`, { comment: 'lgtm' }, { authorization: `Bearer ${bob}` })).body.phase).toBeNull();
      expect((await post(`/api/v1/deployments/${id}/approve`, {}, { authorization: `Bearer ${bob}` })).body.events).toEqual([]);
      expect((await post(`/api/v1/deployments/${id}/approve`, {}, { authorization: `Bearer ${carol}` })).body.phase).toBe('dispatched');
      expect(await deployment(id)).toMatchObject({ phase: 'dispatched', approvals: [expect.objectContaining({ comment: 'lgtm' }), expect.anything()] });
    });

    it('ends the request on one rejection', async () => {
      await server.request('PATCH', '/api/v1/environments/production', { approval_required: 1 });
      await built('1.0.0');
      const bob = await token('bob');
      const requested = await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production' });
      const rejected = await post(`/api/v1/deployments/${requested.body.deployment_id}/reject`, { comment: 'freeze' }, { authorization: `Bearer ${bob}` });
      expect(rejected.body.status).toBe('aborted');
      expect(await deployment(requested.body.deployment_id)).toMatchObject({ status: 'aborted', abort_reason: 'rejected', rejected_by: expect.any(String) });
    });
  });

  describe('environment settings', () => {
    it('shows defaults, changes only the given keys, and masks the webhook secret', async () => {
      expect((await get('/api/v1/environments/production')).body.settings).toEqual({
        executor: { type: 'external' },
        auto_rollback: false,
        approval_required: 0,
        promotes_to: null,
        auto_promote: false,
        soak_seconds: 0,
        production: false,
        policies: { mode: 'enforced', freezes: [], weekly_freezes: [], maintenance_window: null, require_upstream: false },
        lock: null,
        type: null,
        url: null,
        status: 'unknown',
        config_schema: null,
        health_check: null,
      });
      const patched = await server.request('PATCH', '/api/v1/environments/staging', {
        executor: { type: 'external', webhook_url: 'http://127.0.0.1:9/hook', webhook_secret: 'a-long-webhook-secret' },
        promotes_to: 'production',
        auto_promote: true,
        soak_seconds: 600,
      });
      expect(patched.body.settings).toMatchObject({ executor: { type: 'external', webhook_url: 'http://127.0.0.1:9/hook', webhook_secret: '********' }, promotes_to: 'production', auto_promote: true });
      const command = await server.request('PATCH', '/api/v1/environments/staging', { executor: { type: 'command', command: ['./deploy.sh', '--fast'], timeout_seconds: 60 } });
      expect(command.body.settings).toMatchObject({ executor: { type: 'command', command: ['./deploy.sh', '--fast'], timeout_seconds: 60 }, soak_seconds: 600 });
    });

    it('refuses unknown keys, wrong types and meaningless values', async () => {
      const patch = (body: unknown) => server.request('PATCH', '/api/v1/environments/staging', body);
      const unknown = await patch({ auto_rollbak: true });
      expect(unknown.body.errors).toEqual([{ field: 'auto_rollbak', message: 'property auto_rollbak should not exist' }]);
      const types = await patch({ approval_required: 'two', auto_rollback: 'yes', executor: { type: 'ftp' } });
      expect([...new Set(types.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['approval_required', 'auto_rollback', 'executor.type']);
      const command = await patch({ executor: { type: 'command', command: 'rm -rf /' } });
      expect(command.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['executor.command', 'executor.timeout_seconds']));
      expectProblem(await patch({ promotes_to: 'staging' }), 400, '/problems/invalid-settings');
    });
  });
});
