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

  it('serves the event feed with actor, correlation and causation, filtered and cursor-paged', async () => {
    const token = (await server.request('POST', '/api/v1/tokens', { name: 'ci-bot', role: 'ingest' })).body;
    await server.request('POST', '/deployment-events/', { product_name: 'web', version: '2.0.0', environment_name: 'staging', status: 'started' }, { authorization: `Bearer ${token.token}`, 'x-correlation-id': 'pipeline-77' });
    const byActor = await server.request('GET', '/api/v1/audit?actor=ci-bot');
    expect(byActor.body.items.map((e: { type: string }) => e.type)).toEqual(['product.registered', 'environment.created', 'deployment.started']);
    expect(byActor.body.items[2].metadata).toMatchObject({ actor: { kind: 'token', id: token.id, name: 'ci-bot' }, correlationId: 'pipeline-77' });
    const types = async (query: string) => (await server.request('GET', `/api/v1/audit?${query}`)).body.items.map((e: { stream: string; type: string }) => `${e.stream}:${e.type}`);
    expect(await types('product=api&type=deployment.*')).toEqual(['lane-api@prod:deployment.started', 'lane-api@prod:deployment.completed']);
    expect(await types('environment=staging&type=deployment.started')).toEqual(['lane-web@staging:deployment.started']);
    expect(await types('stream=build-api@1.0.0')).toEqual(['build-api@1.0.0:build.started', 'build-api@1.0.0:build.completed']);
    const page1 = await server.request('GET', '/api/v1/audit?limit=2');
    const page2 = await server.request('GET', `/api/v1/audit?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.items[0].position).toBeGreaterThan(page1.body.items[1].position);
  });

  it('exposes Prometheus metrics: ingest, appends, HTTP latency, projection lag, reactor backlog', async () => {
    const text = (await server.request('GET', '/metrics')).text;
    expect(text).toMatch(/shiplog_ingested_events_total\{kind="deployment",status="started",outcome="recorded"\} 1/);
    expect(text).toMatch(/shiplog_ingested_events_total\{kind="build",status="completed",outcome="recorded"\} 1/);
    expect(text).toMatch(/shiplog_events_appended_total\{type="deployment.completed"\} 1/);
    expect(text).toMatch(/shiplog_append_duration_seconds_count \d+/);
    expect(text).toMatch(/shiplog_http_request_duration_seconds_count\{method="POST",route="\/deployment-events",status="201"\} 2/);
    expect(text).toMatch(/shiplog_projection_lag\{projection="deployments"\} \d+/);
    expect(text).toMatch(/shiplog_reactor_backlog\{reactor="executor"\} \d+/);
  });

  it('refuses an unknown format', async () => {
    const bad = await server.request('GET', '/api/v1/audit/export?format=xml');
    expect(bad.body).toMatchObject({ status: 400, errors: [{ field: 'format', message: 'format must be one of: ndjson, csv' }] });
  });
});
