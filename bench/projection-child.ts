/**
 * Applies the events of `<events.db>` through every projection, `<batch>` events per unit of work, into a fresh
 * `<read-models.db>` (unsynced, as the server's), and prints {events, us_per_event} as JSON: the CPU this process
 * spent per event while projecting (reading the events into memory first is not counted). Run by
 * projection.bench.ts, from this build or another one's.
 */
import { PROJECTIONS } from '../apps/server/infrastructure/projections';
import { createSerializer } from '../libs/event-store/serializer';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import { SHIPLOG_UPCASTERS } from '../libs/event-store/upcasters';
import type { RecordedEvent } from '../libs/event-store/event-store.port';
import { SqliteReadStore } from '../libs/read-models/sqlite/sqlite-read-store';

const main = async () => {
  const [eventsFile, readModelsFile, batchArg] = process.argv.slice(2);
  const batch = Number(batchArg);
  const store = SqliteEventStore.open({ file: eventsFile!, serializer: createSerializer(SHIPLOG_UPCASTERS) });
  const events: RecordedEvent[] = [];
  for (let chunk = await store.readAll(0, 10_000); chunk.length > 0; chunk = await store.readAll(chunk[chunk.length - 1]!.position, 10_000)) events.push(...chunk);
  await store.close();
  const readStore = new SqliteReadStore(readModelsFile!, { fsync: false });
  const applied = new Map<string, number>();
  for (const projection of PROJECTIONS) applied.set(projection.name, await readStore.prepare(projection));
  const handled = PROJECTIONS.map((projection) => ({ projection, handles: new Set<string>(projection.handles) }));
  const started = process.cpuUsage();
  for (let i = 0; i < events.length; i += batch) {
    const unit = events.slice(i, i + batch);
    const to = unit[unit.length - 1]!.position;
    for (const { projection, handles } of handled) {
      const relevant = unit.filter((event) => handles.has(event.type));
      if (relevant.length === 0) continue;
      await readStore.commit(projection.name, { from: applied.get(projection.name)!, to }, async (tx) => {
        for (const event of relevant) await projection.apply(tx, event);
      });
      applied.set(projection.name, to);
    }
  }
  const { user, system } = process.cpuUsage(started);
  await readStore.close();
  process.stdout.write(JSON.stringify({ events: events.length, us_per_event: (user + system) / events.length }));
};

void main();
