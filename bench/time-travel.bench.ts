/**
 * npm run bench:time-travel [-- --events N]
 * Cost of GET /api/v1/state?at= (StateQueries.matrixAt) over a generated history, after the projections
 * replayed it. Prints replay throughput too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import { catalogProjection } from '../libs/read-models/catalog/catalog.projection';
import { deploymentsProjection } from '../libs/read-models/deployments/deployments.projection';
import { ProjectionRunner } from '../libs/read-models/projection-runner';
import { SqliteReadStore } from '../libs/read-models/sqlite/sqlite-read-store';
import { StateQueries } from '../libs/read-models/state/state.queries';
import { generateHistory, seeded, START } from './fixtures';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' } } });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-tt-'));
  try {
    const target = Number(values.events);
    let t = process.hrtime.bigint();
    const written = await generateHistory(join(dir, 'events.db'), target);
    const generated = Number(process.hrtime.bigint() - t) / 1e9;

    const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    const readStore = new SqliteReadStore(join(dir, 'read-models.db'));
    const runner = new ProjectionRunner(store, readStore, [deploymentsProjection, catalogProjection]);
    t = process.hrtime.bigint();
    await runner.start();
    await runner.waitFor(await store.headPosition(), 3_600_000);
    const replay = Number(process.hrtime.bigint() - t) / 1e9;
    await runner.stop();

    const queries = new StateQueries(readStore);
    const random = seeded(7);
    const samples: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const instant = new Date(START + random() * 365 * 86_400_000).toISOString();
      const q = process.hrtime.bigint();
      await queries.matrixAt(instant);
      samples.push(Number(process.hrtime.bigint() - q) / 1e6);
    }
    samples.sort((a, b) => a - b);
    console.log(`events: ${written} (generated in ${generated.toFixed(1)} s)`);
    console.log(`replay (deployments + catalog projections): ${replay.toFixed(1)} s, ${Math.round(written / replay)} events/s`);
    console.log(`state?at= over 100 lanes: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`);
    await readStore.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

void main();
