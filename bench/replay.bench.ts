/**
 * Replay and queries over a generated history (1M events; 100k with --quick): rebuild every read model in a child
 * process (events/s, total time, peak RSS), then query a real server on that data dir (p50/p99 per endpoint).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PRODUCTS, seeded, START } from './fixtures';
import { httpCall, percentile, SHIPLOG_MAIN, startServerProcess } from './support';

const TOKEN = 'bench-replay-token-0123456789abcdef0123456789';

export type ReplayResult = { events: number; seconds: number; events_per_second: number; peak_rss_mb: number; generated_seconds: number };
export type QueryResult = { name: string; path: string; p50_ms: number; p99_ms: number; samples: number; indexed: boolean };


/** Generates the history in a child process (its heap, not the one that times the queries, takes the garbage). */
export const generate = async (events: number, log: (line: string) => void): Promise<{ dir: string; events: number; seconds: number }> => {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-replay-'));
  log(`replay: generating ${events} events…`);
  const started = process.hrtime.bigint();
  const { stdout } = await run(join(__dirname, 'generate-child.js'), [join(dir, 'events.db'), String(events)], log);
  return { dir, events: Number(stdout), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
};

/** Runs `node <script> ...args` to its end; its stderr goes to the log; resolves with its stdout. */
const run = (script: string, args: readonly string[], log: (line: string) => void): Promise<{ stdout: string }> => {
  const child = execFile(process.execPath, [script, ...args], { maxBuffer: 1 << 20 });
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve({ stdout: out }) : reject(new Error(`${script} exited with ${code}`))));
  });
};

export const benchReplay = async (dir: string, generated: { events: number; seconds: number }, log: (line: string) => void): Promise<ReplayResult> => {
  log(`replay: rebuilding every read model from ${generated.events} events…`);
  const { stdout } = await run(join(__dirname, 'replay-child.js'), [dir], log);
  const { events, seconds, peak_rss_mb } = JSON.parse(stdout) as { events: number; seconds: number; peak_rss_mb: number };
  return { events, seconds, events_per_second: events / seconds, peak_rss_mb, generated_seconds: generated.seconds };
};

/**
 * Sequential requests (no concurrency: this measures the cost of one query) through a real server on `dir`, over one
 * keep-alive node:http connection (fetch, undici, adds overhead and garbage-collection pauses of its own to each
 * request's time: the client's, not the query's).
 */
export const benchQueries = async (dir: string, { quick, log }: { quick: boolean; log: (line: string) => void }): Promise<QueryResult[]> => {
  // No reactors: they would replay the whole history (sagas) while we measure queries.
  const server = await startServerProcess(SHIPLOG_MAIN, { SHIPLOG_DATA_DIR: dir, SHIPLOG_ADMIN_TOKEN: TOKEN, SHIPLOG_REACTORS: 'off', LOG_LEVEL: 'warn', SHIPLOG_RATE_LIMIT_PER_MINUTE: '10000000' }, { readyWithinMs: 120_000 });
  try {
    const random = seeded(11);
    const product = () => PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
    const instant = () => new Date(START + random() * 365 * 86_400_000).toISOString();
    const queries: { name: string; path: () => string; indexed: boolean }[] = [
      { name: 'deployments (newest)', path: () => '/deployments/?limit=50', indexed: true },
      { name: 'deployments ?product', path: () => `/deployments/?product=${product()}&limit=50`, indexed: true },
      { name: 'deployments ?environment', path: () => '/deployments/?environment=production&limit=50', indexed: true },
      { name: 'deployments ?status', path: () => '/deployments/?status=failed&limit=50', indexed: true },
      { name: 'deployments ?version', path: () => '/deployments/?version=1.2.3&limit=50', indexed: true },
      { name: 'deployments ?deployed_by', path: () => `/deployments/?deployed_by=user-${Math.floor(random() * 30)}&limit=50`, indexed: true },
      { name: 'deployments ?product&environment', path: () => `/deployments/?product=${product()}&environment=staging&limit=50`, indexed: true },
      { name: 'state (current matrix)', path: () => '/state', indexed: false },
      { name: 'state?at= (time travel)', path: () => `/api/v1/state?at=${instant()}`, indexed: false },
      { name: 'metrics (one product, a year)', path: () => `/api/v1/metrics/deployments?product=${product()}&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, indexed: false },
    ];
    // Each query runs `rounds` times, or as many as fit its time budget (a slow one, like metrics over a year of a
    // large history, would otherwise take minutes), and at least `minimum` times.
    const [rounds, budgetMs, minimum] = quick ? [30, 3_000, 10] : [200, 15_000, 20];
    const results: QueryResult[] = [];
    for (const query of queries) {
      log(`queries: ${query.name}…`);
      const samples: number[] = [];
      const began = performance.now();
      for (let i = 0; i < rounds + 5 && (samples.length < minimum || performance.now() - began < budgetMs); i += 1) {
        const path = query.path();
        const started = process.hrtime.bigint();
        const response = await httpCall(server.url, 'GET', path, { headers: { authorization: `Bearer ${TOKEN}` } });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
        if (i >= 5) samples.push(ms); // the first few warm caches and prepared statements
      }
      samples.sort((a, b) => a - b);
      results.push({ name: query.name, path: query.path(), p50_ms: percentile(samples, 50), p99_ms: percentile(samples, 99), samples: samples.length, indexed: query.indexed });
    }
    return results;
  } finally {
    await server.stop();
  }
};


