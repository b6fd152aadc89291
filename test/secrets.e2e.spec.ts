import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VariablesService } from '../libs/application/environments/variables.service';
import { capturingLogger, dataFiles, removeDataDir, startServer, type RunningServer } from './support/server';

const PLAINTEXT = 'pa55word-that-must-never-leak-7f3a';

describe('secret variables (HTTP, real app)', () => {
  let server: RunningServer;
  const logger = capturingLogger();

  beforeEach(async () => {
    server = await startServer({ env: { LOG_LEVEL: 'verbose' }, logger });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('is write-only: masked on read, and absent in clear from the data dir and the logs', async () => {
    const set = await server.request('PUT', '/api/v1/environments/production/variables/DB_PASSWORD', { value: PLAINTEXT, secret: true });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ environment: 'production', product: null, name: 'DB_PASSWORD', secret: true, value: '********' });
    await server.request('PUT', '/api/v1/environments/production/variables/LOG_LEVEL', { value: 'info' });
    const list = await server.request('GET', '/api/v1/environments/production/variables');
    expect(list.body.items).toEqual([
      expect.objectContaining({ name: 'DB_PASSWORD', secret: true, value: '********', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) }),
      expect.objectContaining({ name: 'LOG_LEVEL', secret: false, value: 'info', fingerprint: null }),
    ]);
    expect(list.text).not.toContain(PLAINTEXT);

    for (const format of ['ndjson', 'csv']) {
      const exported = await server.request('GET', `/api/v1/audit/export?format=${format}`);
      expect(exported.text).toMatch(/environment\.variable_set/);
      expect(exported.text).not.toContain(PLAINTEXT);
    }

    // The deploy-time view decrypts it (for executors), proving it was stored sealed, not lost.
    expect(await server.app.get(VariablesService).resolve('production', 'any-product')).toEqual({ DB_PASSWORD: PLAINTEXT, LOG_LEVEL: 'info' });

    await server.stop();
    for (const file of dataFiles(server.dataDir)) expect([file, readFileSync(file).includes(PLAINTEXT)]).toEqual([file, false]);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).not.toContain(PLAINTEXT);
    server = await startServer({ dataDir: server.dataDir });
  });

  it('keeps its key file readable by the owner only, and reuses it after a restart', async () => {
    await server.request('PUT', '/api/v1/environments/production/variables/TOKEN', { value: PLAINTEXT, secret: true });
    expect(statSync(join(server.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    expect(await server.app.get(VariablesService).resolve('production', 'api')).toEqual({ TOKEN: PLAINTEXT });
  });

  it('uses SHIPLOG_SECRET_KEY when set, and then writes no key file', async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    server = await startServer({ env: { SHIPLOG_SECRET_KEY: 'ab'.repeat(32) } });
    await server.request('PUT', '/api/v1/environments/production/variables/TOKEN', { value: PLAINTEXT, secret: true });
    expect(readdirSync(server.dataDir)).not.toContain('secret.key');
  });

  it('lets product values override environment-wide ones, and removes variables', async () => {
    await server.request('PUT', '/api/v1/environments/staging/variables/REPLICAS', { value: '1' });
    await server.request('PUT', '/api/v1/environments/staging/variables/REPLICAS', { value: '3', product: 'api' });
    expect(await server.app.get(VariablesService).resolve('staging', 'api')).toEqual({ REPLICAS: '3' });
    expect(await server.app.get(VariablesService).resolve('staging', 'web')).toEqual({ REPLICAS: '1' });
    expect((await server.request('GET', '/api/v1/environments/staging/variables?product=web')).body.items).toHaveLength(1);
    expect((await server.request('DELETE', '/api/v1/environments/staging/variables/REPLICAS?product=api')).status).toBe(204);
    expect(await server.app.get(VariablesService).resolve('staging', 'api')).toEqual({ REPLICAS: '1' });
    expect((await server.request('DELETE', '/api/v1/environments/staging/variables/REPLICAS?product=api')).body.type).toBe('/problems/variable-not-found');
  });

  it('refuses bad input with a problem naming the field', async () => {
    const bad = await server.request('PUT', '/api/v1/environments/staging/variables/bad-name', { value: 'x' });
    expect(bad.body).toMatchObject({ status: 400, type: '/problems/invalid-variable-name', errors: [{ field: 'name' }] });
    const typed = await server.request('PUT', '/api/v1/environments/staging/variables/OK', { value: 42, secret: 'yes' });
    expect([...new Set(typed.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['secret', 'value']);
    const unknown = await server.request('PUT', '/api/v1/environments/staging/variables/OK', { value: 'x', sekret: true });
    expect(unknown.body.errors).toEqual([{ field: 'sekret', message: 'property sekret should not exist' }]);
  });
});
