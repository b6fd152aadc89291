/**
 * The HTTP parts of `npm run bench` (called by bench/run.ts); alone: `node dist/bench/http.bench.js [--quick]`.
 *
 * - benchIngest: POST /deployment-events/ throughput and latency (autocannon) of Shiplog and of a minimal
 *   Fastify + better-sqlite3 server doing one fsync'd INSERT per request (bench/baseline-server.ts), both real
 *   processes measured in the same run, alternating, at 16, 32 and 64 connections. Auth on, durability on.
 * - benchLag: projection lag at a fixed open-loop rate: from a 201 until GET /deployments/ shows the version.
 * - benchColdStart: spawn until GET /health answers 200 on an empty data dir, then idle RSS.
 *
 * Every server is its own process on a fresh temp dir, stopped (and the dir removed) whatever happens.
 */
import autocannon from 'autocannon';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  BASELINE_MAIN,
  httpCall,
  median,
  percentile,
  removeDir,
  residentMb,
  round,
  SHIPLOG_MAIN,
  sleep,
  startServerProcess,
  tempDir,
  type Log,
  type ServerProcess,
} from './support';

/** `errors`: responses other than 201 Created, plus connection errors and timeouts. `rps` counts 201s only. */
export type Latency = { rps: number; p50_ms: number; p99_ms: number; errors: number };
export type IngestRow = { connections: number; shiplog: Latency; baseline: Latency };
export type IngestResult = { rows: IngestRow[]; throughput_ratio: number; p99_ratio: number; max_rps: number };
export type LagResult = { rate: number; p50_ms: number; p99_ms: number; samples: number; errors: number };
export type ColdStartResult = { start_ms: number; idle_rss_mb: number };

const CONNECTIONS = [16, 32, 64] as const;
/** Both ratios compare the two servers at this connection count (the middle of the sweep). */
const RATIO_CONNECTIONS = 32;
const PRODUCTS = Array.from({ length: 10 }, (_, i) => `service-${i}`);
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'production', 'eu-production'];
/** 50 lanes (product × environment). */
const LANES = PRODUCTS.flatMap((product) => ENVIRONMENTS.map((environment) => ({ product, environment })));
/**
 * Mostly completions (CI that reports only the end: an implicit start), some failures, some starts (left in
 * flight until the lane's next version supersedes them). Versioner's aliases.
 */
const STATUSES = ['success', 'success', 'started', 'success', 'success', 'failed', 'success', 'started', 'success', 'success'];
const USERS = ['ci-bot', 'john.doe', 'jane.roe', 'release-train'];

type Deployment = { product: string; environment: string; version: string; body: string };

/**
 * Versioner deployment events, each a version the lane has not seen (never a duplicate or a conflict). A
 * version is shared by a product's environments with one commit, as when it is promoted.
 */
export const deploymentEvents = (): (() => Deployment) => {
  let n = 0;
  return () => {
    const i = n++;
    const lane = LANES[i % LANES.length] ?? { product: 'service-0', environment: 'dev' };
    const generation = Math.floor(i / LANES.length);
    const version = `1.${Math.floor(generation / 100)}.${generation % 100}`;
    const body = JSON.stringify({
      product_name: lane.product,
      environment_name: lane.environment,
      version,
      status: STATUSES[i % STATUSES.length] ?? 'success',
      deployed_by: USERS[i % USERS.length] ?? 'ci-bot',
      scm_branch: 'main',
      scm_sha: createHash('sha1').update(`${lane.product}@${version}`).digest('hex'),
      build_url: `https://ci.example.com/${lane.product}/builds/${generation}`,
    });
    return { product: lane.product, environment: lane.environment, version, body };
  };
};

export const benchToken = () => `shiplog-bench-${randomBytes(24).toString('hex')}`;

export const shiplogEnv = (dataDir: string, token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  SHIPLOG_DATA_DIR: dataDir,
  SHIPLOG_ADMIN_TOKEN: token,
  LOG_LEVEL: 'warn',
  // The throttler's ceiling (config.ts allows at most 10,000,000 a minute), so it is never what is measured.
  SHIPLOG_RATE_LIMIT_PER_MINUTE: '10000000',
  SHIPLOG_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
  ...extra,
});

export type Target = { name: string; server: ServerProcess; token: string; next: () => Deployment };

/** Closed loop: `connections` clients each POSTing a new deployment event as soon as the previous one answered. */
export const load = async (target: Target, connections: number, seconds: number): Promise<Latency & { codes: string }> => {
  const result = await autocannon({
    url: target.server.url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/deployment-events/', setupRequest: (request) => ({ ...request, body: target.next().body }) }],
  });
  const stats = Object.entries(result.statusCodeStats ?? {}).map(([code, { count = 0 }]) => [code, count] as const);
  const responses = stats.reduce((sum, [, count]) => sum + count, 0);
  const created = stats.find(([code]) => code === '201')?.[1] ?? 0;
  return {
    rps: round(created / result.duration, 1),
    p50_ms: round(result.latency.p50, 2),
    p99_ms: round(result.latency.p99, 2),
    errors: responses - created + result.errors,
    codes: stats.map(([code, count]) => `${code}×${count}`).join(' ') || 'none',
  };
};

const numbersUnder = (value: unknown, field: string): number[] =>
  typeof value === 'object' && value !== null
    ? Object.values(value).flatMap((entry: unknown) => {
        const n = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[field] : undefined;
        return typeof n === 'number' ? [n] : [];
      })
    : [];

/** Waits until every projection and reactor has handled every event (GET /health); returns how long it took. */
const settled = async (server: ServerProcess, withinMs = 120_000): Promise<number> => {
  const started = performance.now();
  for (;;) {
    const health = await httpCall(server.url, 'GET', '/health').catch(() => null);
    if (health?.status === 200) {
      const details = (JSON.parse(health.text) as { details?: { projections?: { projections?: unknown }; reactors?: { reactors?: unknown } } }).details;
      const lags = numbersUnder(details?.projections?.projections, 'lag');
      const backlogs = numbersUnder(details?.reactors?.reactors, 'backlog');
      if (lags.length > 0 && [...lags, ...backlogs].every((n) => n === 0)) return performance.now() - started;
    }
    if (performance.now() - started > withinMs) throw new Error(`projections not caught up within ${withinMs} ms: ${health?.status ?? 'no answer'} ${health?.text.slice(0, 500) ?? ''}`);
    await sleep(20);
  }
};

const summary = (name: string, connections: number, l: Latency & { codes: string }) =>
  `${name.padEnd(8)} ${String(connections).padStart(2)} conns: ${l.rps.toFixed(0).padStart(6)} req/s  p50 ${l.p50_ms.toFixed(1)} ms  p99 ${l.p99_ms.toFixed(1)} ms` +
  `${l.errors > 0 ? `  ${l.errors} ERRORS (status ${l.codes})` : ''}`;

/** Two measured halves of one target as one: 201s per second over both, the mean of their percentiles, all errors. */
const combined = (halves: readonly (Latency & { codes: string })[]): Latency => ({
  rps: round(halves.reduce((sum, h) => sum + h.rps, 0) / halves.length, 1),
  p50_ms: round(halves.reduce((sum, h) => sum + h.p50_ms, 0) / halves.length, 2),
  p99_ms: round(halves.reduce((sum, h) => sum + h.p99_ms, 0) / halves.length, 2),
  errors: halves.reduce((sum, h) => sum + h.errors, 0),
});

/**
 * One row: a fresh baseline and a fresh Shiplog (new data dirs), both warmed up, then measured in two halves each in
 * the order baseline, Shiplog, Shiplog, baseline: this VM's speed drifts by 10–20 % within a minute, and a single
 * run of each after the other let that drift decide the ratio. Shiplog's projections catch up after each of its
 * halves, so they never run during the baseline's. Fresh per row because Shiplog slows as lanes grow (it reads a
 * lane's stream per request): on a shared server each row would also measure a longer history than the previous one.
 */
const ingestRow = async (connections: number, halfSeconds: number, warmupSeconds: number, log: Log): Promise<IngestRow> => {
  const token = benchToken();
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  try {
    const [baselineDir, shiplogDir] = await Promise.all([tempDir('shiplog-bench-baseline-'), tempDir('shiplog-bench-ingest-')]);
    dirs.push(baselineDir, shiplogDir);
    const started = await Promise.allSettled([
      startServerProcess(BASELINE_MAIN, { BASELINE_DB: join(baselineDir, 'baseline.db'), BASELINE_TOKEN: token }),
      startServerProcess(SHIPLOG_MAIN, shiplogEnv(shiplogDir, token)),
    ]);
    for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    const [baselineServer, shiplogServer] = started.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
    if (!baselineServer || !shiplogServer) throw new Error('a server did not start');
    const baseline: Target = { name: 'baseline', server: baselineServer, token, next: deploymentEvents() };
    const shiplog: Target = { name: 'shiplog', server: shiplogServer, token, next: deploymentEvents() };

    for (const target of [baseline, shiplog]) {
      const warm = await load(target, connections, warmupSeconds);
      if (warm.errors > 0) log(`ingest: warm-up of ${target.name}: ${warm.errors} errors (status ${warm.codes})`);
    }
    await settled(shiplogServer);

    const halves = new Map<Target, (Latency & { codes: string })[]>([
      [baseline, []],
      [shiplog, []],
    ]);
    for (const target of [baseline, shiplog, shiplog, baseline]) {
      const half = await load(target, connections, halfSeconds);
      halves.get(target)!.push(half);
      const catchUp = target === shiplog ? `  (projections caught up ${(await settled(shiplogServer)).toFixed(0)} ms after the run)` : '';
      log(`ingest: ${summary(target.name, connections, half)}${catchUp}`);
    }
    return { connections, shiplog: combined(halves.get(shiplog)!), baseline: combined(halves.get(baseline)!) };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(dirs.map(removeDir));
  }
};

export const benchIngest = async ({ quick, log }: { quick: boolean; log: Log }): Promise<IngestResult> => {
  const halfSeconds = quick ? 2 : 5;
  const warmupSeconds = quick ? 1 : 2;
  // Other work on the machine skews every number: the load average says whether there was any.
  log(
    `ingest: per connection count, fresh servers, ${warmupSeconds} s warm-up each, then ${halfSeconds} s each of baseline, Shiplog, Shiplog, baseline; ` +
      `50 lanes, auth on, durable (load average ${loadavg()[0]?.toFixed(2)})`,
  );
  const rows: IngestRow[] = [];
  for (const connections of CONNECTIONS) rows.push(await ingestRow(connections, halfSeconds, warmupSeconds, log));
  const at = rows.find((row) => row.connections === RATIO_CONNECTIONS);
  if (!at) throw new Error(`no run at ${RATIO_CONNECTIONS} connections`);
  return {
    rows,
    // Both at 32 connections: Shiplog ÷ baseline (throughput > 1 is better, p99 < 1 is better).
    throughput_ratio: round(at.shiplog.rps / at.baseline.rps, 3),
    p99_ratio: round(at.shiplog.p99_ms / at.baseline.p99_ms, 3),
    max_rps: Math.max(...rows.map((row) => row.shiplog.rps)),
  };
};

/** `answeredSeconds`: from the first request until the last answer (requests wait in the client when every socket is busy). */
type OpenLoop = { sent: number; created: number; failed: number; unseen: number; sendSeconds: number; answeredSeconds: number; lags: number[] };

/** More polls than are ever in flight at once (one per sample still waiting to see its deployment). */
const POLL_CONNECTIONS = 64;

/**
 * Opens the polls' kept-alive connections before the load. A connection opened under load waits to be accepted:
 * Node's event loop (libuv since 2022) accepts one connection per turn, and a turn that commits a group of appends
 * takes milliseconds, so a burst of new connections queues for hundreds of ms — the client's cost, not the lag.
 */
const openPollConnections = async (server: ServerProcess): Promise<void> => {
  await Promise.all(Array.from({ length: POLL_CONNECTIONS }, () => httpCall(server.url, 'GET', '/health')));
};

/** Polls the deployments list (every ~2 ms) until the version shows; ms from `ackedAt`, or null after 10 s. */
const visibleAfter = async (server: ServerProcess, token: string, d: Deployment, ackedAt: number): Promise<number | null> => {
  const query = new URLSearchParams({ product: d.product, environment: d.environment, version: d.version, limit: '1' });
  const path = `/deployments/?${query.toString()}`;
  while (performance.now() - ackedAt < 10_000) {
    const res = await httpCall(server.url, 'GET', path, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    if (res?.status === 200) {
      const items = (JSON.parse(res.text) as { items?: { version?: unknown }[] }).items ?? [];
      if (items.some((item) => item.version === d.version)) return performance.now() - ackedAt;
    }
    await sleep(2);
  }
  return null;
};

/**
 * The open loop's client: `size` kept-alive sockets, one request in flight on each, and requests that find them all
 * busy wait their turn. Leaner than Node's HTTP client, whose CPU per request, on the two cores the server also runs
 * on, made sender and server fall behind together above ~3,100 req/s (sockets piling up, lags of a second).
 * Enough HTTP/1.1 for Shiplog's answers: a status line, headers with a content-length, a body.
 */
class LeanClient {
  private readonly idle: Socket[] = [];
  private readonly waiting: ((socket: Socket) => void)[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly url: URL,
    private readonly size: number,
  ) {}

  async post(path: string, headers: Record<string, string>, body: string): Promise<number> {
    const socket = await this.acquire();
    const head = Object.entries({ ...headers, host: this.url.host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    try {
      const status = await this.exchange(socket, `POST ${path} HTTP/1.1\r\n${head}\r\n${body}`);
      this.release(socket);
      return status;
    } catch (error) {
      socket.destroy(); // dropped by its 'close' listener
      this.waiting.shift()?.(this.open()); // its place goes to a fresh socket
      throw error;
    }
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private open(): Socket {
    const socket = connect(Number(this.url.port), this.url.hostname);
    socket.setNoDelay(true);
    this.sockets.add(socket);
    // A socket the server closed (idle timeout, error) is dropped; the request on it, if any, fails on its own.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      const idle = this.idle.indexOf(socket);
      if (idle >= 0) this.idle.splice(idle, 1);
    });
    return socket;
  }

  private acquire(): Promise<Socket> {
    const socket = this.idle.pop() ?? (this.sockets.size < this.size ? this.open() : undefined);
    return socket ? Promise.resolve(socket) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(socket: Socket): void {
    const next = this.waiting.shift();
    if (next) next(socket);
    else this.idle.push(socket);
  }

  /** Writes one request and resolves with the status once the whole answer (by content-length) is in. */
  private exchange(socket: Socket, request: string): Promise<number> {
    return new Promise((resolve, reject) => {
      let received: Buffer = Buffer.alloc(0);
      const done = (error: Error | null, status = 0) => {
        socket.off('data', onData).off('error', done).off('close', onClose);
        if (error) reject(error);
        else resolve(status);
      };
      const onClose = () => done(new Error('connection closed before the answer'));
      const onData = (chunk: Buffer) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        const header = received.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(header)?.[1] ?? 0);
        if (received.length >= end + 4 + length) done(null, Number(header.slice(9, 12)));
      };
      socket.on('data', onData).once('error', done).once('close', onClose);
      socket.write(request);
    });
  }
}

/** Sockets the open loop sends on: requests beyond that many in flight wait in the client, not in the kernel. */
const OPEN_LOOP_SOCKETS = 64;

/**
 * Open loop: request i leaves at start + i/rate whatever the answers so far (a slow server does not slow the
 * sender). Every `sampleEvery`-th 201 (none with 0) is followed by polling until the deployment is visible.
 */
const openLoop = async (server: ServerProcess, token: string, next: () => Deployment, rate: number, seconds: number, sampleEvery: number): Promise<OpenLoop> => {
  const total = Math.max(1, Math.round(rate * seconds));
  const out: OpenLoop = { sent: 0, created: 0, failed: 0, unseen: 0, sendSeconds: 0, answeredSeconds: 0, lags: [] };
  const pending: Promise<void>[] = [];
  const client = new LeanClient(new URL(server.url), OPEN_LOOP_SOCKETS);
  const started = performance.now();
  let lastAnswer = started;
  const fire = async (i: number): Promise<void> => {
    const d = next();
    const status = await client.post('/deployment-events/', { authorization: `Bearer ${token}` }, d.body).catch(() => 0);
    lastAnswer = performance.now();
    if (status !== 201) {
      out.failed += 1;
      return;
    }
    out.created += 1;
    if (sampleEvery === 0 || i % sampleEvery !== 0) return;
    const lag = await visibleAfter(server, token, d, performance.now());
    if (lag === null) out.unseen += 1;
    else out.lags.push(lag);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (out.sent < due) pending.push(fire(out.sent++));
      if (out.sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  out.sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
  out.answeredSeconds = (lastAnswer - started) / 1000;
  client.close();
  return out;
};

export const benchLag = async ({ quick, log, rps }: { quick: boolean; log: Log; rps: number }): Promise<LagResult> => {
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`benchLag needs a positive rate, got ${rps}`);
  const seconds = quick ? 3 : 10;
  const warmupSeconds = quick ? 1 : 2;
  const token = benchToken();
  const dir = await tempDir('shiplog-bench-lag-');
  let server: ServerProcess | null = null;
  try {
    // Queries answer at once instead of waiting for the projections (read-your-writes): the poll sees the real lag.
    server = await startServerProcess(SHIPLOG_MAIN, shiplogEnv(dir, token, { SHIPLOG_CONSISTENCY_TIMEOUT_MS: '0' }));
    const next = deploymentEvents();
    const sampleEvery = Math.max(1, Math.round((rps * seconds) / 300));
    log(`lag: ${rps.toFixed(0)} req/s open loop, warm-up ${warmupSeconds} s, then ${seconds} s sampling every ${sampleEvery}th request`);
    await openLoop(server, token, next, rps, warmupSeconds, 0);
    await settled(server);
    await openPollConnections(server);
    const run = await openLoop(server, token, next, rps, seconds, sampleEvery);
    const lags = [...run.lags].sort((a, b) => a - b);
    const result: LagResult = {
      // What the server took, not what was offered: with every socket busy, requests wait in the client.
      rate: round(run.created / run.answeredSeconds, 1),
      p50_ms: round(percentile(lags, 50), 2),
      p99_ms: round(percentile(lags, 99), 2),
      samples: lags.length,
      errors: run.failed + run.unseen,
    };
    log(
      `lag: sent ${run.sent} at ${(run.sent / run.sendSeconds).toFixed(0)} req/s, ${run.created} × 201 at ${result.rate.toFixed(0)} req/s, ${run.failed} failed; ` +
        `${result.samples} samples: p50 ${result.p50_ms.toFixed(1)} ms, p99 ${result.p99_ms.toFixed(1)} ms${run.unseen > 0 ? `, ${run.unseen} NEVER VISIBLE` : ''}`,
    );
    return result;
  } finally {
    await server?.stop();
    await removeDir(dir);
  }
};

/** Median of 3 starts (1 with `quick`), each on an empty data dir. */
export const benchColdStart = async ({ log, quick = false }: { log: Log; quick?: boolean }): Promise<ColdStartResult> => {
  const starts: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < (quick ? 1 : 3); run += 1) {
    const dir = await tempDir('shiplog-bench-start-');
    let server: ServerProcess | null = null;
    try {
      server = await startServerProcess(SHIPLOG_MAIN, shiplogEnv(dir, benchToken()));
      await sleep(2_000);
      const mb = await residentMb(server.pid);
      starts.push(server.startMs);
      rss.push(mb);
      log(`cold start ${run + 1}: ${server.startMs.toFixed(0)} ms to GET /health 200, ${mb.toFixed(1)} MiB RSS after 2 s idle`);
    } finally {
      await server?.stop();
      await removeDir(dir);
    }
  }
  return { start_ms: round(median(starts), 1), idle_rss_mb: round(median(rss), 1) };
};

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick;
  const log: Log = (line) => console.error(line);
  const main = async () => {
    const ingest = await benchIngest({ quick, log });
    const lag = await benchLag({ quick, log, rps: ingest.max_rps / 2 });
    const coldStart = await benchColdStart({ log, quick });
    console.log(JSON.stringify({ node: process.version, quick, ingest, lag, cold_start: coldStart }, null, 2));
  };
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
