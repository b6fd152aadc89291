import { Bar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EventImporter, EventStore, RecordedEvent } from '../../../libs/event-store/event-store.port';
import { ChainVerifier, type ChainBreak } from '../../../libs/event-store/hash-chain';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { verifySqliteStore } from '../../../libs/event-store/sqlite/verify-sqlite';
import { CliExit, EXIT_REJECTED, EXIT_UNREACHABLE } from '../exit';
import type { CliIo } from '../program';
import { EXIT_TAMPERED } from './audit';

/** What migrate needs of a target store; both adapters are EventStore and EventImporter. */
type ImportTarget = Pick<EventStore, 'readAll' | 'headPosition' | 'close'> & EventImporter;

type Target = { kind: 'sqlite'; dir: string; file: string } | { kind: 'esdb'; url: string };

const ACCEPTED = 'sqlite://<dir>, esdb://… or esdb+discover://…';
const ESDB_SCHEMES = ['esdb:', 'esdb+discover:'];

const scheme = (value: string): string | null => /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase() ?? null;

const eventsFile = (dir: string) => join(resolve(dir), 'events.db');

/** `sqlite://<dir>` or a plain path to a data dir. */
const parseSource = (value: string): string => {
  const found = scheme(value);
  if (found === null) return value;
  if (found === 'sqlite') return value.slice('sqlite://'.length);
  throw new CliExit(EXIT_REJECTED, `shiplog: --from must be a SQLite data dir (sqlite://<dir> or a path), got "${value}"\n`);
};

const parseTarget = (value: string): Target => {
  const found = scheme(value);
  if (found === 'sqlite') {
    const dir = value.slice('sqlite://'.length);
    if (dir) return { kind: 'sqlite', dir, file: eventsFile(dir) };
  }
  if (found !== null && ESDB_SCHEMES.includes(`${found}:`)) return { kind: 'esdb', url: value };
  throw new CliExit(EXIT_REJECTED, `shiplog: unknown target store "${value}"; accepted: ${ACCEPTED}\n`);
};

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Loaded only for esdb:// targets, so SQLite users never load the gRPC client. */
const connectEsdb = async (url: string): Promise<ImportTarget> => {
  const { EsdbEventStore } = await import('../../../libs/event-store/esdb/esdb-event-store.js');
  try {
    return await EsdbEventStore.connect(url); // connect() reaches the server: an unreachable one fails here
  } catch (error) {
    throw new CliExit(EXIT_UNREACHABLE, `shiplog: cannot reach EventStoreDB at ${url}: ${message(error)}\n`);
  }
};

const openTarget = async (target: Target): Promise<ImportTarget> => {
  if (target.kind === 'esdb') return connectEsdb(target.url);
  await mkdir(resolve(target.dir), { recursive: true });
  return SqliteEventStore.open({ file: target.file });
};

/** Pages of a store's events after `from`, in global order. */
async function* pages(read: (after: number, max: number) => Promise<RecordedEvent[]>, batch: number, from = 0): AsyncGenerator<RecordedEvent[]> {
  for (let after = from; ; ) {
    const page = await read(after, batch);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.position;
  }
}

async function* each(source: AsyncIterable<RecordedEvent[]>): AsyncGenerator<RecordedEvent> {
  for await (const page of source) yield* page;
}

const tamperedSource = (file: string, { stream, revision, reason }: ChainBreak, copied: number) =>
  new CliExit(
    EXIT_TAMPERED,
    `✘ ${file}: the chain breaks at stream ${stream}, revision ${revision}: ${reason}; ${copied} events before its batch were copied, nothing after\n`,
  );

/**
 * --resume: the target must hold a prefix of the source, event for event (the Nth target event is the Nth source
 * event). Returns how many it holds and the source position after which copying goes on.
 */
const matchPrefix = async (source: SqliteEventStore, target: ImportTarget, batch: number, verifier: ChainVerifier, file: string) => {
  const sourceEvents = each(pages((after, max) => source.readAllStored(after, max), batch));
  let count = 0;
  let position = 0;
  for await (const held of each(pages((after, max) => target.readAll(after, max), batch))) {
    const next = await sourceEvents.next();
    const expected = next.done ? null : next.value;
    if (!expected || expected.id !== held.id) {
      throw new CliExit(
        EXIT_REJECTED,
        `shiplog: cannot resume: the target's event #${count + 1} is ${held.id} but the source's is ${expected ? expected.id : `missing (the source has ${count})`}; the target is not a copy of this source\n`,
      );
    }
    const broken = verifier.check(expected);
    if (broken) throw tamperedSource(file, broken, 0);
    count += 1;
    position = expected.position;
  }
  await sourceEvents.return(undefined);
  return { count, position };
};

const progressBar = (io: CliIo) =>
  new Bar(
    {
      format: 'migrate      [{bar}] {percentage}% | {value}/{total} | {rate} events/s | ETA {eta}s',
      hideCursor: true,
      stream: { write: (text: string) => io.err(text) } as unknown as NodeJS.WritableStream,
      noTTYOutput: true,
      notTTYSchedule: 1_000,
    },
    Presets.shades_classic,
  );

type MigrateOptions = { from: string; to: string; batch: number; resume?: boolean };

const migrate = async (io: CliIo, options: MigrateOptions): Promise<void> => {
  const sourceDir = parseSource(options.from);
  const target = parseTarget(options.to);
  const sourceFile = eventsFile(sourceDir);
  if (!existsSync(sourceFile)) throw new CliExit(EXIT_REJECTED, `shiplog: no Shiplog event store in ${resolve(sourceDir)} (expected events.db)\n`);
  if (target.kind === 'sqlite' && target.file === sourceFile) throw new CliExit(EXIT_REJECTED, 'shiplog: --from and --to are the same data dir\n');

  const started = Date.now();
  const verifier = new ChainVerifier();
  const source = SqliteEventStore.open({ file: sourceFile });
  let skipped = 0;
  let copied = 0;
  let held = 0;
  try {
    const store = await openTarget(target);
    try {
      const head = await store.headPosition();
      let after = 0;
      if (head > 0) {
        if (!options.resume) {
          throw new CliExit(
            EXIT_REJECTED,
            `shiplog: the target ${options.to} already holds events; refusing to write into it (use --resume to finish an interrupted migration from the same source)\n`,
          );
        }
        ({ count: skipped, position: after } = await matchPrefix(source, store, options.batch, verifier, sourceFile));
        io.err(`resuming: the target already holds the first ${skipped} events of the source\n`);
      }

      const bar = progressBar(io);
      bar.start(Math.max(1, await source.headPosition()), after, { rate: 0 });
      try {
        for await (const page of pages((from, max) => source.readAllStored(from, max), options.batch, after)) {
          for (const event of page) {
            const broken = verifier.check(event);
            if (broken) throw tamperedSource(sourceFile, broken, copied);
          }
          try {
            await store.importEvents(page);
          } catch (error) {
            throw new CliExit(EXIT_REJECTED, `shiplog: the target refused events (${copied} copied before): ${message(error)}\n`);
          }
          copied += page.length;
          const last = page[page.length - 1]!.position;
          bar.setTotal(Math.max(bar.getTotal(), last));
          bar.update(last, { rate: Math.round(copied / Math.max(0.001, (Date.now() - started) / 1000)) });
        }
      } finally {
        bar.stop();
      }
      if (target.kind === 'esdb') {
        for await (const page of pages((from, max) => store.readAll(from, max), options.batch)) held += page.length;
      }
    } finally {
      await store.close();
    }
  } finally {
    await source.close();
  }

  const total = skipped + copied;
  if (target.kind === 'sqlite') {
    const { checked, broken } = verifySqliteStore(target.file);
    if (broken) throw new CliExit(EXIT_TAMPERED, `✘ ${target.file}: the chain breaks at stream ${broken.stream}, revision ${broken.revision}: ${broken.reason}\n`);
    if (checked !== total) throw new CliExit(EXIT_REJECTED, `shiplog: the target holds ${checked} events, the source ${total}\n`);
    io.out(`verified ${checked} events in ${target.file}: counts match, every hash chain is intact\n`);
  } else {
    if (held !== total) throw new CliExit(EXIT_REJECTED, `shiplog: the target holds ${held} events, the source ${total}\n`);
    io.out(`verified ${held} events in the target: counts match\n`);
  }

  const seconds = (Date.now() - started) / 1000;
  io.out(
    `migrated ${copied} events${skipped ? ` (${skipped} were already there)` : ''} in ${seconds.toFixed(1)} s (${Math.round(copied / Math.max(0.001, seconds))} events/s)\n`,
  );
  const leftBehind = ['secret.key', 'artifacts'].filter((name) => existsSync(join(resolve(sourceDir), name)));
  if (leftBehind.length) io.out(`note: ${leftBehind.join(' and ')} in ${sourceDir} are not events: copy them to the target's data dir (sealed secrets need the same key)\n`);
  io.out(
    target.kind === 'sqlite'
      ? `next: build the target's read models: shiplog projections rebuild --data-dir ${target.dir}\n`
      : "next: start the server on this store and build its read models: shiplog projections rebuild\n",
  );
};

/** `shiplog migrate`: copies every event, as stored, from a SQLite data dir to another store. */
export const migrateCommand = (io: CliIo): Command =>
  new Command('migrate')
    .description('copy every event, as stored (ids, order, timestamps, schema versions, hashes), from a SQLite data dir to another store; stop the server first')
    .addOption(new Option('--from <source>', 'sqlite://<dir> or a data dir path').makeOptionMandatory())
    .addOption(new Option('--to <target>', `an empty store: ${ACCEPTED}`).makeOptionMandatory())
    .addOption(new Option('--batch <n>', 'events per import transaction').argParser(positiveInteger).default(1_000))
    .option('--resume', 'continue into a target that already holds the first events of this source')
    .action((options: MigrateOptions) => migrate(io, options));
