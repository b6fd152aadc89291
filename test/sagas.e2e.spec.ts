import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../libs/notifications/webhooks/signature';
import { eventually } from '../libs/testing/eventually';
import { EVENT_STORE, type EventStore } from '../libs/event-store/event-store.port';
import { removeDataDir, settled, startServer, type RunningServer } from './support/server';

const report = (version: string, status: string, environment = 'production') => ({ product_name: 'api', environment_name: environment, version, status });

describe('sagas, timers and webhooks (HTTP, real app)', () => {
  let server: RunningServer;
  const post = (path: string, body: unknown = {}) => server.request('POST', path, body);
  const get = (path: string) => server.request('GET', path);
  const deployments = async (query = '') => (await get(`/deployments/?limit=1000${query}`)).body.items as { id: string; kind: string; version: string; environment: string; status: string; phase: string | null }[];
  const restart = async (env: Record<string, string> = {}) => {
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env });
  };

  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  describe('restarts', () => {
    it('rolls back exactly once when the server stops between a failure and its auto-rollback', async () => {
      server = await startServer({ env: { SHIPLOG_REACTORS: 'off' } });
      await server.request('PATCH', '/api/v1/environments/production', { auto_rollback: true });
      await post('/deployment-events/', report('1.0.0', 'success'));
      await post('/deployment-events/', report('2.0.0', 'failed'));
      expect((await deployments()).filter((d) => d.kind === 'rollback')).toHaveLength(0);

      await restart();
      await eventually(async () => expect((await deployments()).filter((d) => d.kind === 'rollback')).toHaveLength(1), { within: 5_000 });
      await restart();
      await restart();
      const rollbacks = (await deployments()).filter((d) => d.kind === 'rollback');
      expect(rollbacks).toEqual([expect.objectContaining({ version: '1.0.0', phase: 'dispatched' })]);
    });

    it('never rolls back a rollback, nor a failure that is no longer the latest', async () => {
      server = await startServer();
      await server.request('PATCH', '/api/v1/environments/production', { auto_rollback: true });
      await post('/deployment-events/', report('1.0.0', 'success'));
      await post('/deployment-events/', report('2.0.0', 'failed'));
      const [rollback] = await eventually(async () => {
        const found = (await deployments()).filter((d) => d.kind === 'rollback');
        expect(found).toHaveLength(1);
        return found;
      });
      await post('/deployment-events/', { ...report('1.0.0', 'failed'), deployment_id: rollback!.id });
      await settled(server);
      await restart();
      await settled(server);
      expect((await deployments()).filter((d) => d.kind === 'rollback')).toHaveLength(1);
    });

    it('dispatches a scheduled deployment exactly once, across restarts', async () => {
      server = await startServer();
      await post('/build-events/', { product_name: 'api', version: '1.0.0', status: 'built' });
      const at = new Date(Date.now() + 1_500).toISOString();
      const { deployment_id } = (await post('/api/v1/deployments', { application: 'api', version: '1.0.0', environment: 'production', scheduled_at: at })).body;
      expect((await get(`/deployments/${deployment_id}`)).body.phase).toBe('scheduled');
      await restart();
      await eventually(async () => expect((await get(`/deployments/${deployment_id}`)).body.phase).toBe('dispatched'), { within: 5_000 });
      await restart();
      const types = (await get(`/deployments/${deployment_id}`)).body.events.map((e: { type: string }) => e.type);
      expect(types.filter((t: string) => t === 'deployment.dispatched')).toHaveLength(1);
    });
  });

  describe('promotion pipeline', () => {
    beforeEach(async () => {
      server = await startServer();
    });

    it('promotes at once without soak time', async () => {
      await server.request('PATCH', '/api/v1/environments/staging', { promotes_to: 'production', auto_promote: true });
      await post('/deployment-events/', report('1.0.0', 'success', 'staging'));
      await eventually(async () => expect(await deployments('&environment=production')).toEqual([expect.objectContaining({ kind: 'promotion', version: '1.0.0' })]));
    });

    it('promotes after the soak time, and a failure in the source during the soak cancels it', async () => {
      await server.request('PATCH', '/api/v1/environments/staging', { promotes_to: 'production', auto_promote: true, soak_seconds: 1 });
      await post('/deployment-events/', report('1.0.0', 'success', 'staging'));
      expect(await deployments('&environment=production')).toEqual([]);
      await eventually(async () => expect(await deployments('&environment=production')).toHaveLength(1), { within: 5_000 });

      const soaking = await post('/deployment-events/', report('1.1.0', 'success', 'staging'));
      await post('/deployment-events/', report('1.2.0', 'failed', 'staging'));
      const timerOf = async () =>
        (await server.app.get<EventStore>(EVENT_STORE).readStream('timers')).events.filter((e) => (e.data as { timer_id: string }).timer_id === `promote:${soaking.body.deployment_id}`);
      await eventually(async () => expect((await timerOf()).map((e) => e.type)).toEqual(['timer.scheduled', 'timer.fired']), { within: 5_000 });
      await settled(server);
      expect((await deployments('&environment=production')).map((d) => d.version)).toEqual(['1.0.0']);
    });
  });

  describe('webhook subscriptions', () => {
    let receiver: Server;
    let handler: (request: IncomingMessage, response: ServerResponse, body: string) => void;
    const received: { type: string; delivery: string; body: string; signature: string }[] = [];
    const url = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

    beforeEach(async () => {
      received.length = 0;
      handler = (_request, response) => response.writeHead(200).end('ok');
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push({ type: String(request.headers['shiplog-event']), delivery: String(request.headers['shiplog-delivery']), body, signature: String(request.headers['shiplog-signature']) });
          handler(request, response, body);
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      server = await startServer({ env: { SHIPLOG_WEBHOOK_RETRY_BASE_MS: '50' } });
    });
    afterEach(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('delivers matching events, signed, and lists the deliveries', async () => {
      const created = await post('/api/v1/webhooks', { url: url(), secret: 'receiver-shared-secret', event_types: ['deployment.completed', 'build.*'] });
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty('secret');
      await post('/deployment-events/', report('1.0.0', 'started'));
      await post('/deployment-events/', report('1.0.0', 'success'));
      await post('/build-events/', { product_name: 'api', version: '1.0.0', status: 'built' });
      await eventually(() => expect(received.map((r) => r.type).sort()).toEqual(['build.completed', 'build.started', 'deployment.completed']), { within: 5_000 });
      for (const r of received) expect(verifySignature('receiver-shared-secret', r.body, r.signature, Math.floor(Date.now() / 1000))).toBe(true);
      expect(JSON.parse(received.find((r) => r.type === 'deployment.completed')!.body)).toMatchObject({ type: 'deployment.completed', data: { product: 'api', version: '1.0.0' } });
      const deliveries = await eventually(async () => {
        const items = (await get(`/api/v1/webhooks/${created.body.id}/deliveries`)).body.items;
        expect(items.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
        return items;
      });
      expect(deliveries).toHaveLength(3);
      expect(deliveries[0]).toMatchObject({ attempts: 1, last_status: 200 });
    });

    it('retries with backoff and re-delivers after a restart mid-delivery with the same delivery id', async () => {
      let calls = 0;
      handler = (_request, response) => {
        calls += 1;
        if (calls === 1) return void response.writeHead(503).end();
        if (calls === 2) return; // hangs: the server stops while this delivery is in flight
        response.writeHead(204).end();
      };
      const hook = (await post('/api/v1/webhooks', { url: url(), secret: 'receiver-shared-secret', event_types: ['deployment.started'] })).body.id;
      await post('/deployment-events/', report('1.0.0', 'started'));
      await eventually(() => expect(received).toHaveLength(2), { within: 5_000 });
      await restart({ SHIPLOG_WEBHOOK_RETRY_BASE_MS: '50' });
      await eventually(() => expect(received).toHaveLength(3), { within: 5_000 });
      expect(new Set(received.map((r) => r.delivery)).size).toBe(1);
      await eventually(async () => expect((await get(`/api/v1/webhooks/${hook}/deliveries`)).body.items[0]).toMatchObject({ status: 'delivered', last_status: 204 }));
    });

    it('refuses unknown event types listing the valid ones, and unsubscribes', async () => {
      const bad = await post('/api/v1/webhooks', { url: url(), secret: 'receiver-shared-secret', event_types: ['deployment.exploded'] });
      expect(bad.body).toMatchObject({ status: 400, type: '/problems/unknown-event-type' });
      expect(bad.body.errors[0].accepted).toEqual(expect.arrayContaining(['*', 'deployment.*', 'deployment.failed', 'build.completed']));
      expect(bad.body.errors[0].accepted).not.toContain('token.issued');
      const hook = (await post('/api/v1/webhooks', { url: url(), secret: 'receiver-shared-secret', event_types: ['*'] })).body.id;
      expect((await server.request('DELETE', `/api/v1/webhooks/${hook}`)).status).toBe(204);
      await post('/deployment-events/', report('1.0.0', 'started'));
      await settled(server);
      expect((await get('/api/v1/webhooks')).body.items).toEqual([]);
      expect(received).toEqual([]);
    });
  });
});
