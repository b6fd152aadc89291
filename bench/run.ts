/**
 * npm run bench [-- --quick]
 * Every figure is measured in this run, with ratios against baselines measured in the same run on the same machine:
 * HTTP ingest vs a minimal Fastify + better-sqlite3 server, the event store vs emmett-sqlite, projection lag, replay
 * of a generated history, queries over it, cold start. Prints a table and writes bench/results/latest.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchColdStart, benchIngest, benchLag } from './http.bench';
import { benchQueries, benchReplay, generate } from './replay.bench';
import { benchStore } from './store.bench';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, events: { type: 'string' } }, strict: false });
const quick = values.quick === true;
const replayEvents = typeof values.events === 'string' ? Number(values.events) : quick ? 100_000 : 1_000_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** Aligned columns: the first left, the rest right. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};

const main = async () => {
  const started = Date.now();
  log(`shiplog bench${quick ? ' --quick' : ''}: node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);

  const ingest = await benchIngest({ quick, log });
  const lag = await benchLag({ quick, log, rps: Math.max(50, Math.round(ingest.max_rps / 2)) });
  const store = await benchStore({ quick, log });
  const generated = await generate(replayEvents, log);
  let replay;
  let queries;
  try {
    replay = await benchReplay(generated.dir, generated, log);
    queries = await benchQueries(generated.dir, { quick, log });
  } finally {
    rmSync(generated.dir, { recursive: true, force: true });
  }
  const coldStart = await benchColdStart({ log, quick });
  const indexedP99 = Math.max(...queries.filter((q) => q.indexed).map((q) => q.p99_ms));

  const sections = [
    '',
    `HTTP ingest: POST /deployment-events/, 50 lanes, auth on, durable — Shiplog vs baseline (Fastify + better-sqlite3, one fsync'd insert per request)`,
    table(
      ['connections', 'shiplog req/s', 'p50 ms', 'p99 ms', 'errors', 'baseline req/s', 'p50 ms', 'p99 ms', 'errors', '× throughput', '× p99'],
      ingest.rows.map((r) => [
        String(r.connections),
        int(r.shiplog.rps),
        fixed(r.shiplog.p50_ms),
        fixed(r.shiplog.p99_ms),
        String(r.shiplog.errors),
        int(r.baseline.rps),
        fixed(r.baseline.p50_ms),
        fixed(r.baseline.p99_ms),
        String(r.baseline.errors),
        fixed(r.shiplog.rps / r.baseline.rps, 2),
        fixed(r.shiplog.p99_ms / r.baseline.p99_ms, 2),
      ]),
    ),
    `ratios at 32 connections: throughput ${fixed(ingest.throughput_ratio, 2)} × baseline (goal ≥ 0.8), p99 ${fixed(ingest.p99_ratio, 2)} × baseline (goal ≤ 1.5)`,
    '',
    `Projection lag (201 → visible in GET /deployments/) at ${int(lag.rate)} req/s (half the max): p50 ${fixed(lag.p50_ms)} ms, p99 ${fixed(lag.p99_ms)} ms over ${lag.samples} samples (goal p99 ≤ 50 ms)`,
    '',
    'Event store appends (durable), Shiplog SQLite vs baseline and vs @event-driven-io/emmett-sqlite',
    table(
      ['scenario', 'events', 'seconds', 'events/s', '× baseline'],
      store.results.map((r) => [r.scenario, int(r.events), fixed(r.seconds, 2), int(r.perSecond), fixed(r.ratio, 1)]),
    ),
    `Shiplog ÷ emmett-sqlite, same sequential appends: singles ${fixed(store.emmett.shiplogSingles / store.emmett.singles, 1)}×, batches of 100 ${fixed(store.emmett.shiplogBatched / store.emmett.batched, 1)}×, geometric mean ${fixed(store.emmettRatio, 1)}× (goal ≥ 1)`,
    '',
    `Replay: ${int(replay.events)} events (seeded, generated in ${fixed(replay.generated_seconds)} s), every read model rebuilt: ${fixed(replay.seconds)} s, ${int(replay.events_per_second)} events/s, peak RSS ${int(replay.peak_rss_mb)} MiB (goal ≤ 30 s, ≤ 512 MiB at 1M)`,
    '',
    `Queries over ${int(replay.events)} events (sequential requests through the server)`,
    table(
      ['query', 'p50 ms', 'p99 ms', 'samples'],
      queries.map((q) => [q.name, fixed(q.p50_ms), fixed(q.p99_ms), int(q.samples)]),
    ),
    `indexed filters: p99 ≤ ${fixed(indexedP99)} ms (goal ≤ 10 ms)`,
    '',
    `Cold start: ${int(coldStart.start_ms)} ms to a healthy /health; idle RSS ${int(coldStart.idle_rss_mb)} MiB`,
    '',
    `bench took ${fixed((Date.now() - started) / 1000)} s`,
  ];
  console.log(sections.join('\n'));

  const summary = {
    'ingest.throughput_ratio': ingest.throughput_ratio,
    'ingest.p99_ratio': ingest.p99_ratio,
    'lag.p99_ms': lag.p99_ms,
    'store.emmett_ratio': store.emmettRatio,
    'replay.events': replay.events,
    'replay.seconds': replay.seconds,
    'replay.peak_rss_mb': replay.peak_rss_mb,
    'queries.p99_ms': indexedP99,
  };
  const results = {
    ...summary,
    measured_at: new Date().toISOString(),
    quick,
    machine: { node: process.version, cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30) },
    ingest,
    lag,
    store: { emmett_ratio: store.emmettRatio, ...store },
    replay,
    queries: { p99_ms: indexedP99, items: queries },
    cold_start: coldStart,
  };
  const out = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${join(out, 'latest.json')}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
