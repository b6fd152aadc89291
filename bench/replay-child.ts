/**
 * Rebuilds every read model of a data dir in one pass and prints {events, seconds, peak_rss_mb} as JSON. Run as
 * its own process by replay.bench.ts, so the peak RSS is the rebuild's alone.
 */
import { join } from 'node:path';
import { PROJECTIONS } from '../apps/server/infrastructure/projections';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner } from '../libs/read-models/projection-runner';
import { SqliteReadStore } from '../libs/read-models/sqlite/sqlite-read-store';

const main = async () => {
  const dir = process.argv[2]!;
  const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
  // Unsynced, as the server's rebuilds are by default (SHIPLOG_READ_MODEL_FSYNC off).
  const readStore = new SqliteReadStore(join(dir, 'read-models.db'), { fsync: false });
  const runner = new ProjectionRunner(store, readStore, PROJECTIONS);
  for (const projection of PROJECTIONS) await readStore.prepare(projection);
  const started = process.hrtime.bigint();
  let reported = 0;
  const { events } = await runner.rebuildMany(
    PROJECTIONS.map((p) => p.name),
    ({ position, head }) => {
      if (position - reported < head / 10) return;
      reported = position;
      process.stderr.write(`  replay ${Math.round((position / head) * 100)}%\n`);
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await runner.stop();
  await readStore.close();
  await store.close();
  process.stdout.write(JSON.stringify({ events, seconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
};

void main();
