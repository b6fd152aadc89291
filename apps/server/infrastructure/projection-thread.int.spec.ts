import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { laneStream, type LaneEvent } from '../../../libs/domain/deployments/lane.events';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { DEPLOYMENTS, type DeploymentView } from '../../../libs/read-models/deployments/deployments.projection';
import { SqliteReadStore } from '../../../libs/read-models/sqlite/sqlite-read-store';
import { linuxBootId } from '../../../libs/read-models/sqlite/unsynced-writes';
import { eventually } from '../../../libs/testing/eventually';
import { ProjectionThread } from './projection-thread';
import { PROJECTIONS } from './projections';

const completed = (id: string, version: string) =>
  ({ type: 'deployment.completed', data: { deployment_id: id, product: 'api', environment: 'prod', version, occurred_at: '2026-11-23T10:00:00.000Z' } }) as LaneEvent;

describe('projections in a worker thread (the embedded default)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let queries: SqliteReadStore;
  let thread: ProjectionThread;
  let logged: string[];

  const append = (...events: LaneEvent[]) => store.append(laneStream('api', 'prod'), events, { expectedRevision: 'any' });
  const versions = async () => (await queries.find<DeploymentView>(DEPLOYMENTS, { orderBy: [['id', 'asc']] })).map((d) => d.version);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-thread-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    logged = [];
    thread = new ProjectionThread(
      PROJECTIONS.map((p) => p.name),
      { eventsFile: join(dir, 'events.db'), readModelsFile: join(dir, 'read-models.db'), readModelFsync: false, store, log: (message) => void logged.push(message) },
    );
    await thread.start();
    // The server's own connection, as its queries use it.
    queries = new SqliteReadStore(join(dir, 'read-models.db'));
  });
  afterEach(async () => {
    await thread.stop();
    await queries.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies what this thread appends, and waitFor resolves once every projection has it', async () => {
    const { position } = await append(completed('d1', '1.0.0'));
    expect(await thread.waitFor(position, 5_000)).toBe(true);
    expect(await versions()).toEqual(['1.0.0']);
    expect((await thread.status()).map((s) => [s.name, s.lag, s.error])).toEqual(PROJECTIONS.map((p) => [p.name, 0, null]));
  });

  // Unsynced writes need the kernel's boot id: Linux only.
  (linuxBootId() === null ? it.skip : it)('writes the read models without fsync behind a marker of its own, removed once it has stopped', async () => {
    const markers = () => readdirSync(dir).filter((name) => name.startsWith('read-models.db.unsynced.'));
    const { position } = await append(completed('d1', '1.0.0'));
    expect(await thread.waitFor(position, 5_000)).toBe(true);
    expect(markers()).toHaveLength(1);
    await thread.stop();
    expect(markers()).toEqual([]);
    expect(await versions()).toEqual(['1.0.0']);
  });

  (linuxBootId() === null ? it.skip : it)('leaves no marker of a worker that died: its writes are fsync\'d and the restarted worker has its own', async () => {
    const markers = () => readdirSync(dir).filter((name) => name.startsWith('read-models.db.unsynced.'));
    await thread.waitFor((await append(completed('d1', '1.0.0'))).position, 5_000);
    const [before] = markers();
    await (thread as unknown as { worker: Worker }).worker.terminate(); // as on an uncaught error: no close
    expect(await thread.waitFor((await append(completed('d2', '1.0.1'))).position, 5_000)).toBe(true);
    const after = markers();
    expect(after).toHaveLength(1);
    expect(after).not.toContain(before);
  });

  it('catches up at once with what another process appended when a query waits for it, not at its next idle poll', async () => {
    const { position } = await append(completed('d1', '1.0.0'));
    expect(await thread.waitFor(position, 5_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the worker's subscription gone idle (past its 10 ms batch interval)
    const other = SqliteEventStore.open({ file: join(dir, 'events.db') });
    try {
      const theirs = await other.append(laneStream('api', 'prod'), [completed('d2', '2.0.0')], { expectedRevision: 'any' });
      // Well under the worker's idle poll (1 s): only a nudge from the wait reads it this soon.
      expect(await thread.waitFor(theirs.position, 400)).toBe(true);
      expect(await versions()).toEqual(['1.0.0', '2.0.0']);
    } finally {
      await other.close();
    }
  });

  it('answers false from waitFor when the position is not reached in time', async () => {
    expect(await thread.waitFor(1_000_000, 50)).toBe(false);
  });

  it('rebuilds in the worker with progress, and refuses an unknown projection', async () => {
    const { position } = await append(completed('d1', '1.0.0'), completed('d2', '1.0.1'));
    const progress: number[] = [];
    expect(await thread.rebuildMany(['deployments'], ({ position: at }) => void progress.push(at))).toEqual({ events: 2, position });
    expect(progress).toEqual([position]);
    expect(await versions()).toEqual(['1.0.0', '1.0.1']);
    await expect(thread.rebuildMany(['nope'])).rejects.toThrow('Unknown projection nope');
  });

  it('restarts a worker that died, from the stored checkpoints, and reports the outage meanwhile', async () => {
    await thread.waitFor((await append(completed('d1', '1.0.0'))).position, 5_000);
    // Fault injection: the thread ends as it would on an uncaught error.
    await (thread as unknown as { worker: Worker }).worker.terminate();
    expect((await thread.status()).every((s) => s.error?.startsWith('projection worker exited'))).toBe(true);
    const { position } = await append(completed('d2', '1.0.1'));
    expect(await thread.waitFor(position, 5_000)).toBe(true);
    expect(await versions()).toEqual(['1.0.0', '1.0.1']);
    await eventually(async () => expect((await thread.status()).every((s) => s.error === null)).toBe(true));
    expect(logged.some((line) => line.includes('restarting'))).toBe(true);
  });
});
