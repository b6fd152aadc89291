import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '../libs/notifications/webhooks/signature';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

/** Small deploy scripts, run with this Node binary: no shell involved. */
const SCRIPTS = {
  'deploy.js': `
    const v = process.env.SHIPLOG_VERSION;
    console.log('deploying ' + process.env.SHIPLOG_PRODUCT + ' ' + v + ' to ' + process.env.SHIPLOG_ENVIRONMENT + ' rollback=' + process.env.SHIPLOG_IS_ROLLBACK);
    console.log('db password is ' + process.env.DB_PASSWORD);
    if (v === '2.0.0') { console.error('migration failed'); process.exit(3); }
  `,
  'hang.js': `
    console.log('started, waiting');
    process.on('SIGTERM', () => { console.log('got SIGTERM, stopping'); process.exit(143); });
    setInterval(() => {}, 1000);
  `,
};

describe('executors (HTTP, real app)', () => {
  let server: RunningServer;
  let scripts: string;
  const post = (path: string, body: unknown = {}) => server.request('POST', path, body);
  const get = (path: string) => server.request('GET', path);
  const deployment = async (id: string) => (await get(`/deployments/${id}`)).body;
  const useCommand = (script: string, timeout = 30) =>
    server.request('PATCH', '/api/v1/environments/production', { executor: { type: 'command', command: [process.execPath, join(scripts, script)], timeout_seconds: timeout } });
  const deploy = async (version: string) => {
    await post('/build-events/', { product_name: 'api', version, status: 'built' });
    const accepted = await post('/api/v1/deployments', { application: 'api', version, environment: 'production' });
    expect(accepted.status).toBe(202);
    return accepted.body.deployment_id as string;
  };
  const logLines = async (id: string) => ((await get(`/api/deployments/${id}/logs`)).body.items as { line: string; stream: string }[]).map((l) => l.line);

  beforeAll(async () => {
    scripts = await mkdtemp(join(tmpdir(), 'shiplog-scripts-'));
    for (const [name, body] of Object.entries(SCRIPTS)) await writeFile(join(scripts, name), body);
  });
  afterAll(() => rm(scripts, { recursive: true, force: true }));

  beforeEach(async () => {
    server = await startServer({ env: { SHIPLOG_CANCEL_GRACE_MS: '2000', SHIPLOG_WEBHOOK_RETRY_BASE_MS: '50' } });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  describe('command executor', () => {
    it('runs the command with the deployment in its environment, logs its output with secrets masked, and completes', async () => {
      await useCommand('deploy.js');
      await server.request('PUT', '/api/v1/environments/production/variables/DB_PASSWORD', { value: 'hunter2-secret', secret: true });
      const id = await deploy('1.0.0');
      await eventually(async () => expect(await deployment(id)).toMatchObject({ status: 'completed', deployed_by: 'shiplog-executor' }), { within: 5_000 });
      const lines = await logLines(id);
      expect(lines).toContain('deploying api 1.0.0 to production rollback=false');
      expect(lines).toContain('db password is ********');
      expect(lines.join('\n')).not.toContain('hunter2');
      expect((await deployment(id)).events.map((e: { type: string; actor: { name: string } }) => `${e.type}:${e.actor.name}`)).toEqual([
        'deployment.requested:SHIPLOG_ADMIN_TOKEN',
        'deployment.dispatched:SHIPLOG_ADMIN_TOKEN',
        'deployment.started:executor',
        'deployment.completed:executor',
      ]);
    });

    it('fails on a non-zero exit, and auto-rollback restores the previous version within 2 s', async () => {
      await useCommand('deploy.js');
      await server.request('PATCH', '/api/v1/environments/production', { auto_rollback: true });
      const first = await deploy('1.0.0');
      await eventually(async () => expect((await deployment(first)).status).toBe('completed'), { within: 5_000 });
      const second = await deploy('2.0.0');
      await eventually(async () => expect(await deployment(second)).toMatchObject({ status: 'failed', extra_metadata: { error: 'exit code 3' } }), { within: 5_000 });
      const failedAt = Date.now();
      const rollback = await eventually(
        async () => {
          const [latest] = (await get('/deployments/?environment=production&limit=1')).body.items;
          expect(latest).toMatchObject({ kind: 'rollback', version: '1.0.0', status: 'completed', is_rollback: true, rollback_of: '2.0.0' });
          return latest;
        },
        { within: 5_000 },
      );
      expect(Date.now() - failedAt).toBeLessThan(2_000);
      expect(await logLines(rollback.id)).toContain('deploying api 1.0.0 to production rollback=true');
      expect((await deployment(rollback.id)).events[0].actor).toEqual({ kind: 'system', id: 'system:auto-rollback', name: 'auto-rollback' });
    });

    it('cancels a hanging command: SIGTERM, then aborted', async () => {
      await useCommand('hang.js');
      const id = await deploy('1.0.0');
      await eventually(async () => expect(await logLines(id)).toContain('started, waiting'), { within: 5_000 });
      expect((await post(`/api/deployments/${id}/cancel`, { reason: 'wrong version' })).status).toBe(202);
      await eventually(async () => expect(await deployment(id)).toMatchObject({ status: 'aborted' }), { within: 5_000 });
      expect(await logLines(id)).toContain('got SIGTERM, stopping');
    });

    it('fails a command that runs past its timeout', async () => {
      await useCommand('hang.js', 1);
      const id = await deploy('1.0.0');
      await eventually(async () => expect(await deployment(id)).toMatchObject({ status: 'failed', extra_metadata: { error: 'timed out after 1 s' } }), { within: 6_000 });
    });

    it('lets CI post log lines and lists them in order', async () => {
      const reported = await post('/deployment-events/', { product_name: 'api', version: '1.0.0', environment_name: 'production', status: 'started' });
      const id = reported.body.deployment_id;
      expect((await post(`/api/deployments/${id}/logs`, { lines: ['step 1', 'step 2'] })).status).toBe(201);
      expect(await logLines(id)).toEqual(['step 1', 'step 2']);
    });
  });

  describe('external executor', () => {
    let receiver: Server;
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    let failFirst = 0;

    beforeEach(async () => {
      received.length = 0;
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push({ headers: request.headers, body });
          if (failFirst > 0) {
            failFirst -= 1;
            return response.writeHead(500).end();
          }
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    });
    afterEach(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('sends a signed deployment.requested webhook, retried with the same delivery id until accepted', async () => {
      failFirst = 2;
      const { port } = receiver.address() as AddressInfo;
      await server.request('PATCH', '/api/v1/environments/production', { executor: { type: 'external', webhook_url: `http://127.0.0.1:${port}/deploy`, webhook_secret: 'webhook-signing-secret' } });
      const id = await deploy('1.0.0');
      await eventually(() => expect(received).toHaveLength(3), { within: 5_000 });
      const deliveries = new Set(received.map((r) => r.headers['shiplog-delivery']));
      expect(deliveries.size).toBe(1);
      for (const r of received) {
        expect(verifySignature('webhook-signing-secret', r.body, String(r.headers['shiplog-signature']), Math.floor(Date.now() / 1000))).toBe(true);
        expect(verifySignature('another-secret', r.body, String(r.headers['shiplog-signature']), Math.floor(Date.now() / 1000))).toBe(false);
      }
      expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'deployment.requested', deployment: { id, product: 'api', environment: 'production', version: '1.0.0', kind: 'deploy' } });
      expect(received[0]!.headers['shiplog-event']).toBe('deployment.requested');
    });
  });
});

describe('following deployment logs (Server-Sent Events)', () => {
  let server: RunningServer;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('streams existing and new lines, then ends when the deployment finishes', async () => {
    const started = await server.request('POST', '/deployment-events/', { product_name: 'api', version: '1.0.0', environment_name: 'production', status: 'started' });
    const id = started.body.deployment_id;
    await server.request('POST', `/api/deployments/${id}/logs`, { lines: ['before follow'] });
    const response = await fetch(`${server.url}/api/deployments/${id}/logs?follow=1`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil(/before follow/);
    await server.request('POST', `/api/deployments/${id}/logs`, { lines: ['live line'] });
    await readUntil(/live line/);
    await server.request('POST', '/deployment-events/', { product_name: 'api', version: '1.0.0', environment_name: 'production', status: 'success', deployment_id: id });
    await readUntil(/event: end/);
    expect(text).toMatch(/event: line\ndata: .*"line":"before follow"/);
    expect(text).toMatch(/event: end\ndata: \{"status":"completed"\}/);
  });
});
