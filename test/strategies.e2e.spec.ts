import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, startServer, type RunningServer } from './support/server';

/**
 * The step hook: records "step traffic batch" for every run and fails the step named in `fail-step` (if any),
 * as a real traffic-shifting script would fail to set a weight.
 */
const STEP_SCRIPT = `
  const { appendFileSync, existsSync, readFileSync } = require('node:fs');
  const [stepsFile, failFile] = process.argv.slice(2);
  const e = process.env;
  appendFileSync(stepsFile, [e.SHIPLOG_STEP, e.SHIPLOG_TRAFFIC_PERCENT, e.SHIPLOG_BATCH, e.SHIPLOG_STEP_KIND].map((v) => v || '-').join(' ') + '\\n');
  if (existsSync(failFile) && readFileSync(failFile, 'utf8').trim() === e.SHIPLOG_STEP) { console.error('could not set weight'); process.exit(2); }
`;

type Status = {
  status: string;
  strategy: string;
  strategy_status: string | null;
  traffic_percent: number;
  step: { number: number; of: number; status: string } | null;
  run: { steps: { number: number; status: string }[]; health: { healthy: boolean | null; failed_checks: number } } | null;
};

describe('deployment strategies (HTTP, real app, real step hooks and health probes)', () => {
  let server: RunningServer;
  let dir: string;
  let health: Server;
  let healthy = true;
  let healthUrl: string;
  const stepsFile = () => join(dir, 'steps.log');
  const failFile = () => join(dir, 'fail-step');
  const post = (path: string, body: unknown = {}) => server.request('POST', path, body);
  const get = (path: string) => server.request('GET', path);
  const steps = async () => (await readFile(stepsFile(), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const status = async (id: string) => (await get(`/api/v1/deployments/${id}/status`)).body as Status;
  const deployment = async (id: string) => (await get(`/deployments/${id}`)).body as { status: string };
  const deploy = async (version: string, strategy: unknown) => {
    await post('/build-events/', { product_name: 'api', version, status: 'built' });
    const accepted = await post('/api/v1/deployments', { application: 'api', version, environment: 'production', config: { strategy } });
    expect(accepted.status).toBe(202);
    return accepted.body.deployment_id as string;
  };
  const finished = (id: string, expected: string, within = 10_000) => eventually(async () => expect((await deployment(id)).status).toBe(expected), { within });

  beforeAll(async () => {
    health = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? 'ok' : 'error rate 12 %');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
  });
  afterAll(() => new Promise<void>((resolve) => health.close(() => resolve())));

  beforeEach(async () => {
    healthy = true;
    dir = await mkdtemp(join(tmpdir(), 'shiplog-strategy-'));
    await writeFile(join(dir, 'step.js'), STEP_SCRIPT);
    server = await startServer();
    const patched = await server.request('PATCH', '/api/v1/environments/production', {
      url: `http://127.0.0.1:${(health.address() as AddressInfo).port}`,
      executor: { type: 'command', command: [process.execPath, join(dir, 'step.js'), stepsFile(), failFile()], timeout_seconds: 30 },
    });
    expect(patched.status).toBe(200);
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(dir, { recursive: true, force: true });
  });

  describe('canary', () => {
    it('shifts traffic step by step, each step through the executor hook, then completes the deployment', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 25, increment: 25, interval: 0.3, health_check_url: healthUrl });
      await finished(id, 'completed');
      expect(await steps()).toEqual(['1 25 - traffic', '2 50 - traffic', '3 75 - traffic', '4 100 - traffic']);
      const done = await status(id);
      expect(done).toMatchObject({ status: 'deployed', strategy: 'canary', strategy_status: 'completed', traffic_percent: 100, step: { number: 4, of: 4, status: 'completed' } });
      expect(done.run!.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect((await get(`/api/v1/deployments/${id}/result`)).body).toMatchObject({ success: true, version: '1.0.0', target: 'production', strategy: 'canary', errors: [], finished: true });
      expect(typeof (await get(`/api/v1/deployments/${id}/result`)).body.duration).toBe('number');
    });

    it('shows the current step and weight while it runs', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 10, increment: 45, interval: 30 });
      await eventually(async () => expect(await status(id)).toMatchObject({ status: 'running', strategy_status: 'running', traffic_percent: 10, step: { number: 1, of: 3, status: 'completed' } }));
      expect((await status(id)).run).toMatchObject({ steps: [{ status: 'completed' }, { status: 'pending' }, { status: 'pending' }] });
      expect((await get(`/api/v1/deployments/${id}/result`)).body).toMatchObject({ success: false, finished: false, status: 'running' });
    });

    it('a failed health gate aborts the run, rolls traffic back through the hook, and fails the deployment', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 20, increment: 40, interval: 1, health_check_url: healthUrl });
      await eventually(async () => expect(await steps()).toEqual(['1 20 - traffic']));
      healthy = false;
      await finished(id, 'failed');
      expect(await steps()).toEqual(['1 20 - traffic', 'rollback 0 - rollback']);
      const failed = await status(id);
      expect(failed).toMatchObject({ status: 'failed', strategy_status: 'failed', traffic_percent: 0 });
      expect(failed.run!.health).toMatchObject({ healthy: false, failed_checks: 1 });
      const result = (await get(`/api/v1/deployments/${id}/result`)).body;
      expect(result).toMatchObject({ success: false, strategy: 'canary', finished: true });
      expect(result.errors[0]).toMatch(/health check failed 1 time in a row: .*answered 503/);
    });

    it('a step whose hook fails aborts the run and rolls back', async () => {
      await writeFile(failFile(), '2');
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 50, increment: 50, interval: 0.2 });
      await finished(id, 'failed');
      expect(await steps()).toEqual(['1 50 - traffic', '2 100 - traffic', 'rollback 0 - rollback']);
      expect((await get(`/api/v1/deployments/${id}/result`)).body.errors[0]).toMatch(/step 2 of 2 failed: exit code 2/);
    });

    it('a restart mid-canary resumes at the next step when it is due, without running a step twice', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 50, increment: 50, interval: 2 });
      await eventually(async () => expect(await status(id)).toMatchObject({ traffic_percent: 50 }));
      const dueAt = Date.parse((await status(id) as unknown as { next_step_due_at: string }).next_step_due_at);
      await server.stop();
      server = await startServer({ dataDir: server.dataDir });
      await finished(id, 'completed');
      expect(await steps()).toEqual(['1 50 - traffic', '2 100 - traffic']);
      const run = (await status(id)).run as unknown as { steps: { started_at: string }[] };
      expect(Date.parse(run.steps[1]!.started_at)).toBeGreaterThanOrEqual(dueAt);
    });

    it('pause holds the weight, resume continues, promote-now skips to 100 %', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 10, increment: 10, interval: 0.5 });
      await eventually(async () => expect(await steps()).toHaveLength(1));
      const paused = await post(`/api/v1/deployments/${id}/pause`, { reason: 'watching the error rate' });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ strategy_status: 'paused' });
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await steps()).toHaveLength(1);
      expect((await post(`/api/v1/deployments/${id}/resume`)).body).toMatchObject({ strategy_status: 'running' });
      await eventually(async () => expect((await steps()).length).toBeGreaterThanOrEqual(2));
      expect((await post(`/api/v1/deployments/${id}/promote-now`, { reason: 'looks good' })).status).toBe(200);
      await finished(id, 'completed');
      const ran = await steps();
      expect(ran[ran.length - 1]).toBe('10 100 - traffic');
      expect(ran.length).toBeLessThan(10);
      expect((await status(id)).run!.steps.filter((s) => s.status === 'skipped').length).toBe(10 - ran.length);
    });

    it('abort rolls traffic back and ends the deployment aborted; a cancel does the same', async () => {
      const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 30, increment: 30, interval: 30 });
      await eventually(async () => expect(await status(id)).toMatchObject({ traffic_percent: 30 }));
      expect((await post(`/api/v1/deployments/${id}/abort`, { reason: 'bad latency' })).status).toBe(200);
      await finished(id, 'aborted');
      expect(await steps()).toEqual(['1 30 - traffic', 'rollback 0 - rollback']);
      expect((await get(`/api/v1/deployments/${id}/result`)).body).toMatchObject({ success: false, errors: ['bad latency'] });
      const again = await post(`/api/v1/deployments/${id}/pause`);
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toContain('application/problem+json');

      const cancelled = await deploy('1.1.0', { name: 'canary', initial_percentage: 30, increment: 30, interval: 30 });
      await eventually(async () => expect(await status(cancelled)).toMatchObject({ traffic_percent: 30 }));
      expect((await post(`/api/deployments/${cancelled}/cancel`, { reason: 'wrong build' })).status).toBe(202);
      await finished(cancelled, 'aborted');
      expect((await steps()).slice(2)).toEqual(['1 30 - traffic', 'rollback 0 - rollback']);
    });
  });

  describe('blue-green', () => {
    it('stages green, waits the switch delay, switches all traffic', async () => {
      const id = await deploy('1.0.0', { name: 'blue_green', switch_delay: 0.5, health_check_url: healthUrl });
      await finished(id, 'completed');
      expect(await steps()).toEqual(['1 0 - stage', '2 100 - switch']);
      const run = (await status(id)).run as unknown as { steps: { started_at: string; completed_at: string }[] };
      expect(Date.parse(run.steps[1]!.started_at) - Date.parse(run.steps[0]!.completed_at)).toBeGreaterThanOrEqual(500);
    });

    it('a failed pre-switch health check never switches: green is torn down and the deployment fails', async () => {
      healthy = false;
      const id = await deploy('1.0.0', { name: 'blue_green', switch_delay: 0.5, health_check_url: healthUrl });
      await finished(id, 'failed');
      expect(await steps()).toEqual(['1 0 - stage', 'rollback 0 - rollback']);
    });
  });

  describe('rolling', () => {
    it('replaces instances in batches, probing the environment URL + health_check.path between batches', async () => {
      const id = await deploy('1.0.0', { name: 'rolling', instances: 4, max_surge: 2, batch_interval: 0.3, health_check: { path: '/health', interval: 0.1, timeout: 1 } });
      await finished(id, 'completed');
      expect(await steps()).toEqual(['1 50 1/2 batch', '2 100 2/2 batch']);
    });
  });

  describe('external executors', () => {
    it('asks the pipeline for each step by webhook and takes its reports from the API', async () => {
      const requested: { step: Record<string, string> }[] = [];
      const pipeline = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          requested.push(JSON.parse(body));
          res.statusCode = 204;
          res.end();
        });
      });
      await new Promise<void>((resolve) => pipeline.listen(0, '127.0.0.1', resolve));
      try {
        await server.request('PATCH', '/api/v1/environments/production', { executor: { type: 'external', webhook_url: `http://127.0.0.1:${(pipeline.address() as AddressInfo).port}/steps` } });
        const id = await deploy('1.0.0', { name: 'canary', initial_percentage: 50, increment: 50, interval: 0.2 });
        await eventually(async () => expect(requested.map((r) => r.step['SHIPLOG_TRAFFIC_PERCENT'])).toEqual(['50']));
        // Paused and resumed while the pipeline runs the step: it is not asked twice.
        expect((await post(`/api/v1/deployments/${id}/pause`)).status).toBe(200);
        expect((await post(`/api/v1/deployments/${id}/resume`)).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(requested).toHaveLength(1);
        const wrong = await post(`/api/v1/deployments/${id}/step-results`, { step: 2, ok: true });
        expect(wrong.status).toBe(409);
        expect(wrong.body.errors[0]).toMatchObject({ field: 'step', accepted: ['1'] });
        expect((await post(`/api/v1/deployments/${id}/step-results`, { step: 1, ok: true, detail: 'weights 50/50' })).status).toBe(200);
        await eventually(async () => expect(requested.map((r) => r.step['SHIPLOG_TRAFFIC_PERCENT'])).toEqual(['50', '100']));
        expect((await post(`/api/v1/deployments/${id}/step-results`, { step: 2, ok: true })).status).toBe(200);
        await finished(id, 'completed');
      } finally {
        await new Promise<void>((resolve) => pipeline.close(() => resolve()));
      }
    });
  });

  describe('bad input', () => {
    it('answers problems naming the field, and never touches a deployment without a strategy', async () => {
      await post('/build-events/', { product_name: 'api', version: '0.9.0', status: 'built' });
      const direct = (await post('/api/v1/deployments', { application: 'api', version: '0.9.0', environment: 'production' })).body.deployment_id as string;
      await finished(direct, 'completed');
      expect(await steps()).toEqual(['- - - -']); // the executor ran it once, without step variables
      expect(await status(direct)).toMatchObject({ strategy: 'direct', run: null, traffic_percent: 100 });

      const noRun = await post(`/api/v1/deployments/${direct}/promote-now`);
      expect(noRun.status).toBe(409);
      expect(noRun.body).toMatchObject({ errors: [{ field: 'id' }] });
      expect((await post('/api/v1/deployments/00000000-0000-7000-8000-000000000000/pause')).status).toBe(404);

      const id = await deploy('1.0.0', { name: 'canary', interval: 30 });
      await eventually(async () => expect(await status(id)).toMatchObject({ traffic_percent: 10 }));
      const ownSteps = await post(`/api/v1/deployments/${id}/step-results`, { step: 1, ok: true });
      expect(ownSteps.status).toBe(409);
      expect(ownSteps.body.detail).toMatch(/command executor/);
      const badStep = await post(`/api/v1/deployments/${id}/step-results`, { step: 0, ok: 'yes' });
      expect(badStep.status).toBe(400);
      expect(badStep.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['ok', 'step']);
      const badReason = await post(`/api/v1/deployments/${id}/pause`, { reason: 42 });
      expect(badReason.status).toBe(400);
      expect(badReason.body.errors[0]).toMatchObject({ field: 'reason' });
    });
  });
});
