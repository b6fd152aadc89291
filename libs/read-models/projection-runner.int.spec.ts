import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { laneStream, type LaneEvent } from '../domain/deployments/lane.events';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { eventually } from '../testing/eventually';
import { buildsProjection } from './builds/builds.projection';
import { deploymentsProjection, DEPLOYMENTS, type DeploymentView } from './deployments/deployments.projection';
import { DeploymentQueries } from './deployments/deployments.queries';
import { decodeCursor } from './shared/paging';
import { ProjectionRunner } from './projection-runner';
import { SqliteReadStore } from './sqlite/sqlite-read-store';

const lifecycle = (status: string, id: string, version: string, at: string, extra: object = {}) =>
  ({ type: `deployment.${status}`, data: { deployment_id: id, product: 'api', environment: 'prod', version, occurred_at: at, ...extra } }) as LaneEvent;

describe('projection runner with the deployments projection (SQLite)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readStore: SqliteReadStore;
  let runner: ProjectionRunner;

  const start = async (projection = deploymentsProjection) => {
    readStore = new SqliteReadStore(join(dir, 'read.db'));
    // Deployment queries show each version's build, so the builds projection runs alongside.
    runner = new ProjectionRunner(store, readStore, [projection, buildsProjection]);
    await runner.start();
  };
  const stop = async () => {
    await runner.stop();
    await readStore.close();
  };
  const append = (...events: LaneEvent[]) => store.append(laneStream('api', 'prod'), events.map((e) => ({ ...e, occurredAt: e.data.occurred_at })), { expectedRevision: 'any' });
  const dump = async () => (await readStore.find<DeploymentView>(DEPLOYMENTS, { orderBy: [['id', 'asc']] })).map((row) => JSON.stringify(row));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-proj-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('projects a lifecycle into one row with its history, timestamps and duration', async () => {
    await start();
    const { position } = await append(
      lifecycle('started', 'd1', '1.0.0', '2026-11-23T10:00:00.000Z', { deployed_by: 'ci' }),
      lifecycle('completed', 'd1', '1.0.0', '2026-11-23T10:02:00.000Z', { build_url: 'https://ci/1' }),
    );
    expect(await runner.waitFor(position, 2_000)).toBe(true);
    const row = await new DeploymentQueries(readStore).get('d1');
    expect(row).toMatchObject({
      status: 'completed',
      deployed_by: 'ci',
      build_url: 'https://ci/1',
      started_at: '2026-11-23T10:00:00.000Z',
      finished_at: '2026-11-23T10:02:00.000Z',
      duration_seconds: 120,
    });
    expect(row!.status_history.map((h) => h.status)).toEqual(['started', 'completed']);
  });

  it('reports lag as positions behind the head, and zero once caught up', async () => {
    await start();
    const { position } = await append(lifecycle('started', 'd1', '1.0.0', '2026-11-23T10:00:00.000Z'));
    await runner.waitFor(position, 2_000);
    expect(await runner.status()).toEqual([
      { name: 'deployments', position, lag: 0, error: null },
      { name: 'builds', position, lag: 0, error: null },
    ]);
  });

  it('resumes from its checkpoint after a restart and gives the same rows as a full replay', async () => {
    await start();
    await append(lifecycle('started', 'd1', '1.0.0', '2026-11-23T10:00:00.000Z'));
    const first = await append(lifecycle('failed', 'd1', '1.0.0', '2026-11-23T10:01:00.000Z'));
    await runner.waitFor(first.position, 2_000);
    await stop();

    const second = await append(lifecycle('started', 'd2', '1.0.1', '2026-11-23T10:05:00.000Z'));
    await start();
    expect(await runner.waitFor(second.position, 2_000)).toBe(true);
    const incremental = await dump();
    expect(incremental).toHaveLength(2);
    await stop();

    await start({ ...deploymentsProjection, version: deploymentsProjection.version + 1 });
    await runner.waitFor(second.position, 2_000);
    expect(await dump()).toEqual(incremental);
  });

  it('pages newest first with an opaque cursor', async () => {
    await start();
    const appended = [];
    for (let i = 0; i < 5; i += 1) appended.push(await append(lifecycle('started', `d${i}`, `1.0.${i}`, `2026-11-23T10:0${i}:00.000Z`)));
    await runner.waitFor(appended.at(-1)!.position, 2_000);
    const queries = new DeploymentQueries(readStore);
    const page1 = await queries.list({}, 2, null);
    expect(page1.items.map((d) => d.id)).toEqual(['d4', 'd3']);
    const page2 = await queries.list({}, 2, decodeCursor(page1.next_cursor!));
    expect(page2.items.map((d) => d.id)).toEqual(['d2', 'd1']);
    const filtered = await queries.list({ version: '1.0.3', status: 'started' }, 10, null);
    expect(filtered).toEqual({ items: [expect.objectContaining({ id: 'd3' })], next_cursor: null });
  });

  it('wakes on append without waiting for the idle poll', async () => {
    await start();
    await eventually(async () => expect(await runner.status()).toHaveLength(2));
    const { position } = await append(lifecycle('started', 'd1', '1.0.0', '2026-11-23T10:00:00.000Z'));
    expect(await runner.waitFor(position, 200)).toBe(true);
  });

  it('shares one read store with a second instance: each batch is applied once, both instances catch up', async () => {
    await start();
    const secondStore = new SqliteReadStore(join(dir, 'read.db'));
    const second = new ProjectionRunner(store, secondStore, [deploymentsProjection, buildsProjection]);
    await second.start();
    try {
      let position = 0;
      for (let i = 0; i < 20; i++) {
        const id = `d${i}`;
        ({ position } = await append(lifecycle('started', id, `1.0.${i}`, `2026-11-23T10:${String(i).padStart(2, '0')}:00.000Z`), lifecycle('completed', id, `1.0.${i}`, `2026-11-23T10:${String(i).padStart(2, '0')}:30.000Z`)));
      }
      expect(await runner.waitFor(position, 5_000)).toBe(true);
      expect(await second.waitFor(position, 5_000)).toBe(true);
      const shared = await dump();
      await stop();
      await second.stop();
      await secondStore.close();
      for (const file of ['read.db', 'read.db-wal', 'read.db-shm']) await rm(join(dir, file), { force: true });
      await start();
      expect(await runner.waitFor(position, 5_000)).toBe(true);
      expect(await dump()).toEqual(shared);
    } finally {
      await second.stop();
      await secondStore.close();
    }
  });
});
