import { Command } from 'commander';
import { Bar, Presets } from 'cli-progress';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner } from '../../../libs/read-models/projection-runner';
import { SqliteReadStore } from '../../../libs/read-models/sqlite/sqlite-read-store';
import { PROJECTIONS } from '../../server/infrastructure/projections';
import { CliExit, EXIT_REJECTED } from '../exit';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

type Job = { projection: string; state: 'running' | 'done' | 'failed'; position: number; head: number; events_per_second: number; error: string | null };

const progressBar = (io: CliIo, name: string) =>
  new Bar(
    { format: `${name.padEnd(12)} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta}s`, hideCursor: true, stream: { write: (text: string) => io.err(text) } as unknown as NodeJS.WritableStream, noTTYOutput: true, notTTYSchedule: 1_000 },
    Presets.shades_classic,
  );

/** Offline: rebuild straight on a data dir (stop the server first: it would keep writing the old tables). */
const rebuildOffline = async (io: CliIo, dataDir: string, names: string[]): Promise<void> => {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'events.db'))) throw new CliExit(EXIT_REJECTED, `shiplog: no Shiplog event store in ${dir} (expected events.db)\n`);
  const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
  const readStore = new SqliteReadStore(join(dir, 'read-models.db'));
  const runner = new ProjectionRunner(store, readStore, PROJECTIONS);
  try {
    await runner.start();
    // One pass over the store feeds every chosen projection: events are read and decoded once.
    const label = names.length === 1 ? names[0]! : `${names.length} projections`;
    const bar = progressBar(io, label);
    bar.start(await store.headPosition(), 0, { rate: 0 });
    const started = Date.now();
    const { events } = await runner.rebuildMany(names, ({ position, head: now }) => {
      bar.setTotal(now);
      bar.update(position, { rate: Math.round(position / Math.max(0.001, (Date.now() - started) / 1000)) });
    });
    bar.stop();
    io.out(`rebuilt ${names.join(', ')}: ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await runner.stop();
    await readStore.close();
    await store.close();
  }
};

/** Through the server: starts each rebuild, then follows its progress until it is swapped in. */
const rebuildOnServer = async (io: CliIo, options: ServerOptions, names: string[]): Promise<void> => {
  for (const name of names) {
    await callServer(io, options, 'POST', `/api/v1/admin/projections/${encodeURIComponent(name)}/rebuild`);
    const bar = progressBar(io, name);
    bar.start(1, 0, { rate: 0 });
    for (;;) {
      const { items } = (await callServer(io, options, 'GET', '/api/v1/admin/projections')) as { items: { name: string; rebuild: Job | null }[] };
      const job = items.find((p) => p.name === name)?.rebuild;
      if (job) {
        bar.setTotal(Math.max(1, job.head));
        bar.update(job.position, { rate: job.events_per_second });
      }
      if (job?.state === 'failed') {
        bar.stop();
        throw new CliExit(EXIT_REJECTED, `shiplog: rebuild of ${name} failed: ${job.error}\n`);
      }
      if (job?.state === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    bar.stop();
    io.out(`rebuilt ${name}\n`);
  }
};

export const projectionsCommand = (io: CliIo): Command => {
  const projections = new Command('projections').description('read models: list them, rebuild them from the events');
  projections.addCommand(
    withServerOptions(new Command('rebuild').description('rebuild read models into fresh tables and swap them in (all, or the named ones)'))
      .argument('[names...]', `projections: ${PROJECTIONS.map((p) => p.name).join(', ')}`)
      .option('--data-dir <dir>', 'rebuild offline in this data dir (with the server stopped)')
      .action(async (names: string[], options: ServerOptions & { dataDir?: string }) => {
        const known = PROJECTIONS.map((p) => p.name);
        const unknown = names.filter((n) => !known.includes(n));
        if (unknown.length) throw new CliExit(EXIT_REJECTED, `shiplog: unknown projection ${unknown.join(', ')}; projections: ${known.join(', ')}\n`);
        const chosen = names.length ? names : known;
        return options.dataDir ? rebuildOffline(io, options.dataDir, chosen) : rebuildOnServer(io, options, chosen);
      }),
  );
  projections.addCommand(
    withServerOptions(new Command('list').description('projections with their position and lag')).action(async (options: ServerOptions) => {
      const { items } = (await callServer(io, options, 'GET', '/api/v1/admin/projections')) as { items: { name: string; position: number; lag: number; error: string | null }[] };
      io.out(items.map((p) => `${p.name.padEnd(12)} position ${p.position}  lag ${p.lag}${p.error ? `  error: ${p.error}` : ''}`).join('\n') + '\n');
    }),
  );
  return projections;
};
