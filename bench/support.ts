/**
 * Helpers for the HTTP benches: servers run as real separate processes on a fresh temp dir, are reached over
 * loopback HTTP and are always stopped (SIGTERM, then SIGKILL) by whoever started them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** dist/ (this file runs as dist/bench/support.js). */
export const DIST = join(__dirname, '..');
export const SHIPLOG_MAIN = join(DIST, 'apps/server/main.js');
export const BASELINE_MAIN = join(__dirname, 'baseline-server.js');

export type Log = (line: string) => void;

export type HttpResponse = { status: number; text: string };

/** A keep-alive client: the benches measure the server, not TCP handshakes. */
const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });

export const httpCall = (
  url: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: string; headers?: Record<string, string>; agent?: Agent | false; timeoutMs?: number } = {},
): Promise<HttpResponse> =>
  new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers, agent: options.agent ?? keepAlive },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });

/** A port nothing listens on right now (the server binds it a moment later; Shiplog at LOG_LEVEL=warn prints no port). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });

export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), prefix));
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes still running, killed if this process exits without stopping them (an uncaught error). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
const killOnExit = (child: ChildProcess): void => {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const orphan of running) orphan.kill('SIGKILL');
  });
};

export type ServerProcess = {
  url: string;
  pid: number;
  /** Milliseconds from spawn until GET /health answered 200. */
  startMs: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
};

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

const stopChild = async (child: ChildProcess, graceMs: number): Promise<void> => {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
};

/**
 * Starts `node <script>` with only `env` (plus PATH) on a free loopback port and waits until GET /health
 * answers 200, polling every few milliseconds so the start time is measured closely.
 */
export const startServerProcess = async (
  script: string,
  env: Record<string, string>,
  options: { readyWithinMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<ServerProcess> => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  // Drained (a full pipe would block the server); the tail explains an early exit.
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  try {
    if (pid === undefined) throw new Error(`could not spawn ${script}`);
    const deadline = Date.now() + (options.readyWithinMs ?? 30_000);
    for (;;) {
      if (exited(child)) throw new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before it was ready: ${output.trim()}`);
      if (Date.now() > deadline) throw new Error(`${script} not ready within ${options.readyWithinMs ?? 30_000} ms: ${output.trim()}`);
      const health = await httpCall(url, 'GET', '/health', { agent: false, timeoutMs: 2_000 }).catch(() => null);
      if (health?.status === 200) break;
      await sleep(health ? 20 : 2);
    }
  } catch (error) {
    await stopChild(child, 2_000);
    throw error;
  }
  const startMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { url, pid, startMs, stop: (graceMs = 10_000) => stopChild(child, graceMs) };
};

/** Resident memory of a process in MiB (Linux: VmRSS of /proc/<pid>/status). */
export const residentMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
};

/** Nearest-rank percentile of an ascending list. */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

export const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
