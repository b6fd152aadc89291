/**
 * npm run bench:projection [-- --events N --batch B --rounds R --other <another build's dist directory>]
 * The CPU the live projections spend per event, with no HTTP and no other thread competing: a seeded history
 * (N events, default 100,000, as the replay bench generates it) applied through every projection, B events per unit of
 * work (default 100: about what the projection thread commits at a time under the ingest bench's load), into a fresh
 * unsynced read-model file each round (bench/projection-child.ts). With --other, the two builds run alternately, R
 * rounds (default 3), and the median ratio is printed: on a machine whose speed drifts, only runs side by side compare.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median, removeDir, round, tempDir } from './support';

const child = (script: string, args: readonly string[]): Promise<string> =>
  new Promise((done, fail) => execFile(process.execPath, [script, ...args], { maxBuffer: 1 << 20 }, (error, stdout) => (error ? fail(error) : done(stdout))));

const main = async () => {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '100000' }, batch: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' }, other: { type: 'string' } },
  });
  const dir = await tempDir('shiplog-bench-projection-');
  try {
    const eventsFile = join(dir, 'events.db');
    const generated = await child(join(__dirname, 'generate-child.js'), [eventsFile, values.events]);
    console.log(`${generated} events generated; units of work of ${values.batch} events`);
    const builds = [{ name: 'this', script: join(__dirname, 'projection-child.js') }];
    if (values.other) builds.unshift({ name: 'other', script: join(resolve(values.other), 'bench', 'projection-child.js') });
    const ratios: number[] = [];
    for (let r = 1; r <= Number(values.rounds); r += 1) {
      const perEvent = new Map<string, number>();
      for (const build of builds) {
        const readModels = join(dir, `read-models-${build.name}-${r}.db`);
        const { us_per_event } = JSON.parse(await child(build.script, [eventsFile, readModels, values.batch])) as { us_per_event: number };
        perEvent.set(build.name, us_per_event);
        console.log(`round ${r} ${build.name.padEnd(5)} ${round(us_per_event, 1)} µs CPU per event`);
      }
      if (values.other) ratios.push(perEvent.get('this')! / perEvent.get('other')!);
    }
    if (values.other) console.log(`this build's CPU per event ÷ other's: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)} ×`);
  } finally {
    await removeDir(dir);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
