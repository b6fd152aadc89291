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
  strict: false,
});
const EVENTS = Number(values.events ?? 20_000);
const CONCURRENCY = Number(values.concurrency ?? 32);

type Appended = { type: string; data: Record<string, unknown> };
type Append = (stream: string, events: Appended[]) => Promise<unknown>;

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

/** @event-driven-io/emmett-sqlite, the peer library, doing the same appends (durable too: WAL, synchronous=FULL). */
const withEmmett = async (work: (append: Append) => Promise<number>, scenario: string): Promise<Result> => {
  const { getSQLiteEventStore } = await import('@event-driven-io/emmett-sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-emmett-'));
  try {
    const store = getSQLiteEventStore({ fileName: join(dir, 'emmett.db') });
    await store.appendToStream('warm-up', [{ type: 'warmed', data: {} }]); // creates the schema outside the timing
    const started = process.hrtime.bigint();
    const events = await work((stream, events) => store.appendToStream(stream, events));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { scenario, events, seconds, perSecond: events / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** One caller appending `batch` events per call, through any store's append. */
const sequential = (total: number, batch: number) => async (append: Append) => {
  for (let i = 0; i < total; i += batch) {
    await append(`lane-seq-${i % 20}`, Array.from({ length: Math.min(batch, total - i) }, (_, j) => ({ type: 'deployment.started', data: payload(i + j) })));
  }
  return total;
};

const shiplogAppend = (store: SqliteEventStore): Append => (stream, events) => store.append(stream, events, { expectedRevision: 'any' });

export type StoreBench = {
  results: (Result & { ratio: number })[];
  /** Shiplog ÷ emmett-sqlite on the same sequential appends (single events and batches of 100), geometric mean. */
  emmettRatio: number;
  emmett: { singles: number; batched: number; shiplogSingles: number; shiplogBatched: number };
};

/**
 * emmett-sqlite 0.38 opens a connection per call and shares it between calls, so concurrent appends on a file
 * database fail (SQLITE_MISUSE): the comparison with it uses one sequential appender, as its own tests do.
 */
export const benchStore = async ({ quick, log = () => undefined }: { quick: boolean; log?: (line: string) => void }): Promise<StoreBench> => {
  const events = quick ? 4_000 : EVENTS;
  const sequentialSingles = quick ? 500 : 2_000;
  // The baseline pays one fsync per append, so it gets fewer events to keep the run short; rates compare fairly.
  const baselineEvents = Math.max(1_000, Math.floor(events / 5));
  const run = async (label: string, work: () => Promise<Result>) => {
    log(`store: ${label}…`);
    return work();
  };
  const results = [
    await run('baseline', () => withStore(false, concurrentSingles(baselineEvents), `${CONCURRENCY} appenders, one fsync per append (baseline)`)),
    await run('group commit', () => withStore(true, concurrentSingles(events), `${CONCURRENCY} appenders, group commit`)),
    await run('batched 100', () => withStore(true, batched(events * 5, 100), 'batched appends, 100 events per call')),
    await run('batched 1000', () => withStore(true, batched(events * 5, 1_000), 'batched appends, 1000 events per call')),
    await run('sequential singles', () => withStore(true, (store) => sequential(sequentialSingles, 1)(shiplogAppend(store)), 'Shiplog: 1 appender, 1 event per call')),
    await run('emmett sequential singles', () => withEmmett(sequential(sequentialSingles, 1), 'emmett-sqlite: 1 appender, 1 event per call')),
    await run('sequential batches', () => withStore(true, (store) => sequential(events * 5, 100)(shiplogAppend(store)), 'Shiplog: 1 appender, 100 events per call')),
    await run('emmett sequential batches', () => withEmmett(sequential(events * 5, 100), 'emmett-sqlite: 1 appender, 100 events per call')),
  ];
  const baseline = results[0]!.perSecond;
  const [shiplogSingles, emmettSingles, shiplogBatched, emmettBatched] = results.slice(4).map((r) => r.perSecond) as [number, number, number, number];
  return {
    results: results.map((r) => ({ ...r, ratio: r.perSecond / baseline })),
    emmettRatio: Math.sqrt((shiplogSingles / emmettSingles) * (shiplogBatched / emmettBatched)),
    emmett: { singles: emmettSingles, batched: emmettBatched, shiplogSingles, shiplogBatched },
  };
};

const main = async () => {
  const { results } = await benchStore({ quick: values.quick === true, log: (line) => console.error(line) });
  console.log(`\nSQLite event store append throughput (durable: WAL + synchronous=FULL), node ${process.version}\n`);
  console.log(`${'scenario'.padEnd(56)} ${'events'.padStart(8)} ${'seconds'.padStart(8)} ${'events/s'.padStart(10)} ${'× baseline'.padStart(11)}`);
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(56)} ${String(r.events).padStart(8)} ${r.seconds.toFixed(2).padStart(8)} ${Math.round(r.perSecond).toString().padStart(10)} ${r.ratio.toFixed(1).padStart(11)}`,
    );
  }
  const out = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'store.json'), JSON.stringify({ measuredAt: new Date().toISOString(), concurrency: CONCURRENCY, results }, null, 2));
};

if (require.main === module) void main();
