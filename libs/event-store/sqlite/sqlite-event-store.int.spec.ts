import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { eventually } from '../../testing/eventually';
import { SqliteEventStore } from './sqlite-event-store';
import { WrongExpectedRevision } from '../errors';
import { verifyChain } from '../hash-chain';
import type { ExpectedRevision, RecordedEvent } from '../event-store.port';

describeEventStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-es-'));
  const file = join(dir, 'events.db');
  return {
    open: async (options) => SqliteEventStore.open({ file, ...options }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeEventStoreContract('sqlite without group commit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-es-'));
  const file = join(dir, 'events.db');
  return {
    open: async (options) => SqliteEventStore.open({ file, groupCommit: false, ...options }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('sqlite event store shared by two processes (two connections to one file)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-es-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const append = (store: SqliteEventStore, stream: string, n: number, expectedRevision: ExpectedRevision = 'any') =>
    store.append(stream, [{ type: 'thing.happened', data: { n } }], { expectedRevision });
  const nOf = (event: RecordedEvent) => (event.data as { n: number }).n;
  /** Two stores on one file, as two processes would have them; both closed afterwards. */
  const withTwoConnections = async (test: (mine: SqliteEventStore, theirs: SqliteEventStore) => Promise<void>) => {
    const file = join(dir, 'events.db');
    const mine = SqliteEventStore.open({ file });
    const theirs = SqliteEventStore.open({ file });
    try {
      await test(mine, theirs);
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
    }
  };

  /** Runs `test` while `store` has a subscription from the start, recording the `n` of each event it delivered. */
  const withSubscription = async (store: SqliteEventStore, test: (delivered: number[]) => Promise<void>) => {
    const delivered: number[] = [];
    const subscription = store.subscribeToAll({ handler: async (events) => void delivered.push(...events.map(nOf)) });
    try {
      await test(delivered);
    } finally {
      await subscription.stop();
    }
  };

  it('reads and delivers every event in position order, whichever connection appended it', () =>
    withTwoConnections((mine, theirs) =>
      withSubscription(mine, async (delivered) => {
        // Interleaved: my recent appends are not contiguous positions, so reads must not skip theirs.
        await append(mine, 'a', 1);
        await append(theirs, 'b', 2);
        await append(mine, 'a', 3);
        await append(mine, 'a', 4);
        await append(theirs, 'b', 5);
        await append(mine, 'a', 6);
        expect((await mine.readAll(0, 100)).map(nOf)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await mine.readAll(2, 2)).map((e) => e.position)).toEqual([3, 4]);
        expect((await mine.readAll(4, 100)).map(nOf)).toEqual([5, 6]);
        // The subscription is woken by my appends; theirs are found by the same reads (or the idle poll).
        await eventually(() => expect(delivered).toEqual([1, 2, 3, 4, 5, 6]));
      }),
    ));

  it('delivers what another connection appended after a subscription caught up with its own appends, with none of its own to wake it', () =>
    withTwoConnections((mine, theirs) =>
      withSubscription(mine, async (delivered) => {
        await append(mine, 'a', 1);
        await eventually(() => expect(delivered).toEqual([1]));
        await append(theirs, 'b', 2);
        // Reads woken by my appends stop at the end of what I appended; the idle poll (1 s) reads the file itself.
        await eventually(() => expect(delivered).toEqual([1, 2]), { within: 3_000 });
      }),
    ));

  it('reads what another connection appended as soon as it is noticed, with no append of its own to wake the subscription', () =>
    withTwoConnections((mine, theirs) =>
      withSubscription(mine, async (delivered) => {
        await append(mine, 'a', 1);
        await eventually(() => expect(delivered).toEqual([1]));
        const { position } = await append(theirs, 'b', 2);
        mine.noticeAppended(position);
        // Well under the idle poll (1 s): the notice alone sends the read to SQLite.
        await eventually(() => expect(delivered).toEqual([1, 2]), { within: 400 });
      }),
    ));

  it('reads a stream from past the head it wrote, and still sees what another connection appended since', () =>
    withTwoConnections(async (mine, theirs) => {
      const { revision } = await append(mine, 'lane', 1);
      // Past the head (as a command reads from its cached state): nothing.
      expect(await mine.readStream('lane', { fromRevision: revision + 1 })).toEqual({ events: [], revision });
      await append(theirs, 'lane', 2);
      const read = await mine.readStream('lane', { fromRevision: revision + 1 });
      expect(read.revision).toBe(revision + 1);
      expect(read.events.map(nOf)).toEqual([2]);
      // …and a stream it never appended to, created by the other connection after this one found it missing.
      expect((await mine.readStream('other', { fromRevision: 0 })).revision).toBe(-1);
      await append(theirs, 'other', 3);
      expect((await mine.readStream('other', { fromRevision: 0 })).events.map(nOf)).toEqual([3]);
    }));

  it('appends onto the head another connection wrote since its own last append, keeping revisions and the hash chain', () =>
    withTwoConnections(async (mine, theirs) => {
      await append(mine, 'lane', 1);
      await append(theirs, 'lane', 2);
      expect((await append(mine, 'lane', 3)).revision).toBe(2);
      await append(theirs, 'lane', 4);
      await expect(append(mine, 'lane', 5, 2)).rejects.toThrow(WrongExpectedRevision);
      expect((await append(mine, 'lane', 5, 3)).revision).toBe(4);
      const { events } = await theirs.readStream('lane');
      expect(events.map((e) => [e.revision, nOf(e)])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
      expect(verifyChain(events)).toBeNull();
    }));

  it('hands out recorded events frozen, so no subscriber can change what another one sees', async () => {
    const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    try {
      await append(store, 'a', 1);
      const [event] = await store.readAll(0, 1);
      expect(() => {
        (event!.data as { n: number }).n = 2;
      }).toThrow(TypeError);
      expect((await store.readAll(0, 1))[0]!.data).toEqual({ n: 1 });
    } finally {
      await store.close();
    }
  });
});
