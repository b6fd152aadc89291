/**
 * npm run bench:ab -- --other <main.js of another build | baseline> [--rounds R --seconds S --connections C]
 * Two Shiplog builds under the ingest load of `npm run bench` (same payloads, 50 lanes, auth on, durable), one after
 * the other, R rounds (default 3), each on a fresh data dir: req/s, p99 and the CPU each server spent per request,
 * all its threads and its request thread alone (Linux /proc). On a machine whose speed drifts from minute to minute,
 * only runs side by side compare: the median of the per-round ratios is what to quote.
 *
 * The other build: `git worktree add ../shiplog-before <commit>`, `ln -s $PWD/node_modules ../shiplog-before/`,
 * `(cd ../shiplog-before && npm run build)`, then `--other ../shiplog-before/dist/apps/server/main.js`.
 * `--other baseline` runs the ingest bench's baseline server (bench/baseline-server.ts) instead: Shiplog ÷ baseline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchToken, deploymentEvents, load, shiplogEnv } from './http.bench';
import { BASELINE_MAIN, median, removeDir, round, SHIPLOG_MAIN, startServerProcess, tempDir } from './support';

const TICK_MICROS = 10_000; // USER_HZ 100: /proc times are in hundredths of a second

/** CPU time (µs) of each thread of a process, by thread id; empty where /proc is not there. */
const threadCpu = (pid: number): Map<string, number> => {
  const times = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(tid, (Number(fields[11]) + Number(fields[12])) * TICK_MICROS);
    }
  } catch {
    // a thread ended while being read, or no /proc: fewer numbers, not a failed run
  }
  return times;
};

type Run = { rps: number; p99_ms: number; cpu_us: number; request_thread_us: number };

const measure = async (main: string, connections: number, seconds: number): Promise<Run> => {
  const dir = await tempDir('shiplog-bench-ab-');
  const token = benchToken();
  const env = main === BASELINE_MAIN ? { BASELINE_DB: join(dir, 'baseline.db'), BASELINE_TOKEN: token } : shiplogEnv(dir, token);
  const server = await startServerProcess(main, env);
  try {
    const target = { name: main, server, token, next: deploymentEvents() };
    await load(target, connections, 2);
    const before = threadCpu(server.pid);
    const result = await load(target, connections, seconds);
    const after = threadCpu(server.pid);
    const requests = Math.max(1, result.rps * seconds);
    const spent = [...after].map(([tid, micros]) => micros - (before.get(tid) ?? 0));
    // The request thread is the process's own (its thread id is the pid).
    const own = (after.get(String(server.pid)) ?? 0) - (before.get(String(server.pid)) ?? 0);
    return { rps: result.rps, p99_ms: result.p99_ms, cpu_us: round(spent.reduce((a, b) => a + b, 0) / requests), request_thread_us: round(own / requests) };
  } finally {
    await server.stop();
    await removeDir(dir);
  }
};

const main = async () => {
  const { values } = parseArgs({
    options: { other: { type: 'string' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '32' } },
  });
  if (!values.other) throw new Error('--other <path to the other build\'s dist/apps/server/main.js, or baseline> is required');
  const builds = { other: values.other === 'baseline' ? BASELINE_MAIN : resolve(values.other), this: SHIPLOG_MAIN };
  const [rounds, seconds, connections] = [Number(values.rounds), Number(values.seconds), Number(values.connections)];
  const ratios: number[] = [];
  for (let round_ = 1; round_ <= rounds; round_ += 1) {
    const other = await measure(builds.other, connections, seconds);
    const mine = await measure(builds.this, connections, seconds);
    ratios.push(mine.rps / other.rps);
    for (const [name, run] of [['other', other], ['this', mine]] as const) {
      console.log(
        `round ${round_} ${name.padEnd(5)} ${run.rps.toFixed(0).padStart(6)} req/s  p99 ${run.p99_ms} ms  CPU ${run.cpu_us} µs/request (request thread ${run.request_thread_us})`,
      );
    }
  }
  console.log(`this build ÷ other: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)} × (${connections} connections, ${seconds} s per run)`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
