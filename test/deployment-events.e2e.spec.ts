import { removeDataDir, startServer, type RunningServer } from './support/server';

const event = (overrides: Record<string, unknown> = {}) => ({
  product_name: 'my-service',
  version: '1.2.3',
  environment_name: 'production',
  status: 'started',
  ...overrides,
});

describe('POST /deployment-events/ and GET /deployments/ (HTTP, real app)', () => {
  let server: RunningServer;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('appends deployment.started to the lane stream and answers 201 with the event', async () => {
    const response = await server.request('POST', '/deployment-events/', event());
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      event_type: 'deployment.started',
      product_name: 'my-service',
      version: '1.2.3',
      environment_name: 'production',
      status: 'started',
      duplicate: false,
    });
    expect(response.body.event_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps Versioner aliases to canonical statuses and shows the deployment read back', async () => {
    await server.request('POST', '/deployment-events/', event({ status: 'deploying', deployed_by: 'john.doe' }));
    const done = await server.request('POST', '/deployment-events/', event({ status: ' SUCCESS ', build_url: 'https://ci.example.com/builds/123' }));
    expect(done.body).toMatchObject({ status: 'completed', event_type: 'deployment.completed' });
    const list = await server.request('GET', '/deployments/?environment=production&limit=1');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ product: 'my-service', version: '1.2.3', status: 'completed', deployed_by: 'john.doe', build_url: 'https://ci.example.com/builds/123' }),
    ]);
    expect(list.body.items[0].status_history.map((h: { status: string }) => h.status)).toEqual(['started', 'completed']);
  });

  it('answers 200 with duplicate: true for a repeated status and appends nothing', async () => {
    const first = await server.request('POST', '/deployment-events/', event({ status: 'success' }));
    const again = await server.request('POST', '/deployment-events/', event({ status: 'completed' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, deployment_id: first.body.deployment_id, event_id: first.body.event_id });
    const health = await server.request('GET', '/health');
    expect(health.body.details.event_store.head_position).toBe(first.body.position);
  });

  it('refuses a different terminal status for a finished deployment with 409 naming the current status', async () => {
    await server.request('POST', '/deployment-events/', event({ status: 'success' }));
    const conflict = await server.request('POST', '/deployment-events/', event({ status: 'failed' }));
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(conflict.body).toMatchObject({ type: '/problems/terminal-status-conflict', status: 409 });
    expect(conflict.body.detail).toMatch(/already ended as "completed"/);
  });

  it('serves what it acknowledged to the very next read (read-your-writes)', async () => {
    for (let i = 0; i < 20; i += 1) {
      const posted = await server.request('POST', '/deployment-events/', event({ version: `2.0.${i}` }));
      const read = await server.request('GET', `/deployments/${posted.body.deployment_id}`);
      expect(read.status).toBe(200);
      expect(read.body.version).toBe(`2.0.${i}`);
    }
  });

  it('pages newest first with next_cursor and filters by status alias', async () => {
    for (const version of ['1.0.0', '1.0.1', '1.0.2']) await server.request('POST', '/deployment-events/', event({ version, environment_name: `env-${version}`, status: 'success' }));
    await server.request('POST', '/deployment-events/', event({ version: '9.9.9', status: 'error' }));
    const page1 = await server.request('GET', '/deployments/?status=success&limit=2');
    expect(page1.body.items.map((d: { version: string }) => d.version)).toEqual(['1.0.2', '1.0.1']);
    const page2 = await server.request('GET', `/deployments/?status=success&limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ version: '1.0.0' })], next_cursor: null });
  });

  it('keeps acknowledged events across a restart', async () => {
    const posted = await server.request('POST', '/deployment-events/', event({ status: 'success' }));
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    const read = await server.request('GET', `/deployments/${posted.body.deployment_id}`);
    expect(read.body).toMatchObject({ status: 'completed', version: '1.2.3' });
  });

  describe('bad input: 4xx problem+json naming the field, nothing appended', () => {
    const expectProblem = async (response: Awaited<ReturnType<RunningServer['request']>>, status: number, type: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type, status, instance: expect.any(String), detail: expect.any(String) });
      const health = await server.request('GET', '/health');
      expect(health.body.details.event_store.head_position).toBe(0);
      return response.body;
    };

    it('malformed JSON → 400', async () => {
      await expectProblem(await server.request('POST', '/deployment-events/', '{"product_name": '), 400, '/problems/malformed-json');
    });

    it('a body that is not an object → 400', async () => {
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', [event()]), 400, '/problems/validation-failed');
      expect(problem.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    });

    it('non-JSON content type → 415', async () => {
      await expectProblem(await server.request('POST', '/deployment-events/', 'status=started', { 'content-type': 'text/plain' }), 415, '/problems/unsupported-media-type');
    });

    it('a body over 1 MiB → 413', async () => {
      const huge = event({ extra_metadata: { blob: 'x'.repeat(1024 * 1024) } });
      await expectProblem(await server.request('POST', '/deployment-events/', huge), 413, '/problems/payload-too-large');
    });

    it('a missing field → 400 naming it', async () => {
      const { product_name: _omitted, ...rest } = event();
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', rest), 400, '/problems/validation-failed');
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain('product_name');
    });

    it('a wrong type → 400 naming the field', async () => {
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', event({ version: 123 })), 400, '/problems/validation-failed');
      expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'version' }));
    });

    it('a misspelt field is rejected by name, never silently dropped', async () => {
      const { environment_name: _right, ...rest } = event();
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', { ...rest, enviroment_name: 'production' }), 400, '/problems/validation-failed');
      expect(problem.errors).toContainEqual({ field: 'enviroment_name', message: 'property enviroment_name should not exist' });
    });

    it('an unknown status → 400 listing the accepted values', async () => {
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', event({ status: 'shipped' })), 400, '/problems/unknown-status');
      expect(problem.errors[0]).toMatchObject({ field: 'status', accepted: expect.arrayContaining(['deploying', 'success', 'cancelled']) });
    });

    it('a name outside the allowed charset → 400 with the rule', async () => {
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', event({ product_name: 'my service' })), 400, '/problems/validation-failed');
      expect(problem.errors[0]).toMatchObject({ field: 'product_name', message: expect.stringMatching(/letters, digits/) });
    });

    it('extra_metadata that is not an object → 400', async () => {
      const problem = await expectProblem(await server.request('POST', '/deployment-events/', event({ extra_metadata: 'oops' })), 400, '/problems/validation-failed');
      expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'extra_metadata' }));
    });

    it('an invalid query parameter or cursor → 400', async () => {
      await expectProblem(await server.request('GET', '/deployments/?limit=5000'), 400, '/problems/validation-failed');
      await expectProblem(await server.request('GET', '/deployments/?cursor=not-a-cursor'), 400, '/problems/validation-failed');
      await expectProblem(await server.request('GET', '/deployments/?status=shipped'), 400, '/problems/unknown-status');
    });

    it('an unknown route → 404 problem', async () => {
      await expectProblem(await server.request('GET', '/no-such-thing'), 404, '/problems/not-found');
    });
  });
});
