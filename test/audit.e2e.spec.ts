import type { RecordedEvent } from '../libs/event-store/event-store.port';
import { verifyChain } from '../libs/event-store/hash-chain';
import { removeDataDir, startServer, type RunningServer } from './support/server';

describe('audit export (HTTP, real app)', () => {
  let server: RunningServer;

  beforeEach(async () => {
    server = await startServer();
    for (const status of ['started', 'success']) await server.request('POST', '/deployment-events/', { product_name: 'api', version: '1.0.0', environment_name: 'prod', status });
    await server.request('POST', '/build-events/', { product_name: 'api', version: '1.0.0', status: 'built' });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('streams every event as NDJSON with the hash chain, which verifies; a tampered line does not', async () => {
    const exported = await server.request('GET', '/api/v1/audit/export');
    expect(exported.headers.get('content-type')).toBe('application/x-ndjson');
    const events = exported.text.trim().split('\n').map((line) => JSON.parse(line) as RecordedEvent);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['product.registered', 'environment.created', 'deployment.started', 'deployment.completed', 'build.started', 'build.completed']));
    expect(events.map((e) => e.position)).toEqual([...events.map((e) => e.position)].sort((a, b) => a - b));
    expect(verifyChain(events)).toBeNull();
    const tampered = events.map((e) => (e.type === 'deployment.completed' ? { ...e, data: { ...(e.data as object), version: '6.6.6' } } : e));
    expect(verifyChain(tampered)).toMatchObject({ stream: 'lane-api@prod', revision: 1 });
  });

  it('exports CSV with a header, and bounds by recording time', async () => {
    const csv = await server.request('GET', '/api/v1/audit/export?format=csv');
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe('position,id,stream,revision,type,schema_version,occurred_at,recorded_at,actor_kind,actor_id,actor_name,correlation_id,causation_id,prev_hash,hash,data');
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect((await server.request('GET', '/api/v1/audit/export?to=2000-01-01T00:00:00Z')).text).toBe('');
    expect((await server.request('GET', '/api/v1/audit/export?from=2000-01-01T00:00:00Z')).text.trim().split('\n').length).toBe(rows.length);
  });

  it('refuses an unknown format', async () => {
    const bad = await server.request('GET', '/api/v1/audit/export?format=xml');
    expect(bad.body).toMatchObject({ status: 400, errors: [{ field: 'format', message: 'format must be one of: ndjson, csv' }] });
  });
});
