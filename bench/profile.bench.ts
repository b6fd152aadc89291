/**
 * npm run bench:profile [-- --seconds S --connections C]
 * Where the server's CPU goes under the ingest load of `npm run bench` (same payloads, 50 lanes, auth on, durable):
 * runs Shiplog with --cpu-prof, drives POST /deployment-events/ for S seconds (default 10) at C connections (32),
 * then prints, per thread, its busy share and the functions with the most time of their own and in total.
 * The profiles stay in bench/results/profile/ (open them in Chrome DevTools).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchToken, deploymentEvents, load, shiplogEnv } from './http.bench';
import { removeDir, SHIPLOG_MAIN, startServerProcess, tempDir } from './support';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const frameName = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode) =>
  `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${lineNumber + 1}`;

/** Self and inclusive time per function (a function counted once per sample, however deep its recursion). */
const summarize = (profile: CpuProfile) => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    all += micros;
    const leaf = frameName(byId.get(id)!);
    self.set(leaf, (self.get(leaf) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (!seen.has(name)) total.set(name, (total.get(name) ?? 0) + micros);
      seen.add(name);
    }
  });
  return { self, total, all };
};

const top = (times: Map<string, number>, all: number, count: number) =>
  [...times]
    .filter(([name]) => !name.startsWith('(root)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `  ${((100 * micros) / all).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');

const main = async () => {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } }, strict: false });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const out = join(__dirname, '..', '..', 'bench', 'results', 'profile');
  rmSync(out, { recursive: true, force: true });
  const dir = await tempDir('shiplog-bench-profile-');
  const token = benchToken();
  const server = await startServerProcess(SHIPLOG_MAIN, shiplogEnv(dir, token), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`] });
  try {
    const target = { name: 'shiplog', server, token, next: deploymentEvents() };
    await load(target, connections, 2);
    const result = await load(target, connections, seconds);
    console.log(`${connections} connections, ${seconds} s: ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, errors ${result.errors}`);
  } finally {
    await server.stop();
    await removeDir(dir);
  }
  // One file per thread: <…>.<pid>.<thread>.<n>.cpuprofile, thread 0 being the event loop that serves requests.
  for (const file of readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const { self, total, all } = summarize(JSON.parse(readFileSync(join(out, file), 'utf8')) as CpuProfile);
    const idle = self.get('(idle) :0') ?? 0;
    console.log(`\n${file}: busy ${((100 * (all - idle)) / all).toFixed(0)} % of ${(all / 1e6).toFixed(1)} s (start-up included)`);
    console.log(`self time\n${top(self, all, 15)}\ntotal time (with callees)\n${top(total, all, 25)}`);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
