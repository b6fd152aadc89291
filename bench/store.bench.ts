/**
 * npm run bench:store [-- --events N --concurrency C]
 * Append throughput of the SQLite event store: C concurrent single-event appenders with and without group
 * commit, and batched appends. Every write is durable (WAL, synchronous=FULL). Ratios are against the
 * one-fsync-per-append baseline measured in the same run.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' }, quick: { type: 'boolean', default: false } },
});
const EVENTS = values.quick ? 4_000 : Number(values.events);
const CONCURRENCY = Number(values.concurrency);

type Result = { scenario: string; events: number; seconds: number; perSecond: number };

const payload = (i: number) => ({
  deployment_id: `d-${i}`,
  product: `product-${i % 10}`,
  environment: ['dev', 'staging', 'production'][i % 3],
  version: `1.${i % 50}.${i}`,
  deployed_by: 'ci-bot',
  scm_sha: 'abc123def456',
  build_url: `https://ci.example.com/builds/${i}`,
  occurred_at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
});

const withStore = async (groupCommit: boolean, work: (store: SqliteEventStore) => Promise<number>, scenario: string): Promise<Result> => {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-'));
  const store = SqliteEventStore.open({ file: join(dir, 'events.db'), groupCommit });
  try {
    const started = process.hrtime.bigint();
    const events = await work(store);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { scenario, events, seconds, perSecond: events / seconds };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** C workers, each appending one event per call to its own lane, until `total` events are written. */
const concurrentSingles = (total: number) => async (store: SqliteEventStore) => {
  let next = 0;
  const worker = async (w: number) => {
    for (let i = next++; i < total; i = next++) {
      await store.append(`lane-bench-${w}@prod`, [{ type: 'deployment.started', data: payload(i) }], { expectedRevision: 'any' });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  return total;
};

/** One caller appending `batch` events per call. */
const batched = (total: number, batch: number) => async (store: SqliteEventStore) => {
  for (let i = 0; i < total; i += batch) {
    const events = Array.from({ length: Math.min(batch, total - i) }, (_, j) => ({ type: 'deployment.started', data: payload(i + j) }));
    await store.append(`lane-batch-${i % 20}@prod`, events, { expectedRevision: 'any' });
  }
  return total;
};

const main = async () => {
  // The baseline pays one fsync per append, so it gets fewer events to keep the run short; rates compare fairly.
  const baselineEvents = Math.max(1_000, Math.floor(EVENTS / 5));
  const results = [
    await withStore(false, concurrentSingles(baselineEvents), `${CONCURRENCY} appenders, one fsync per append (baseline)`),
    await withStore(true, concurrentSingles(EVENTS), `${CONCURRENCY} appenders, group commit`),
    await withStore(true, batched(EVENTS * 5, 100), 'batched appends, 100 events per call'),
    await withStore(true, batched(EVENTS * 5, 1_000), 'batched appends, 1000 events per call'),
  ];
  const baseline = results[0]!.perSecond;
  console.log(`\nSQLite event store append throughput (durable: WAL + synchronous=FULL), node ${process.version}\n`);
  console.log(`${'scenario'.padEnd(56)} ${'events'.padStart(8)} ${'seconds'.padStart(8)} ${'events/s'.padStart(10)} ${'× baseline'.padStart(11)}`);
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(56)} ${String(r.events).padStart(8)} ${r.seconds.toFixed(2).padStart(8)} ${Math.round(r.perSecond).toString().padStart(10)} ${(r.perSecond / baseline).toFixed(1).padStart(11)}`,
    );
  }
  const out = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'store.json'),
    JSON.stringify({ measuredAt: new Date().toISOString(), concurrency: CONCURRENCY, results: results.map((r) => ({ ...r, ratio: r.perSecond / baseline })) }, null, 2),
  );
};

void main();
