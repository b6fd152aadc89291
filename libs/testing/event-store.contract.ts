import { describeContract, type ContractFactory } from './contract';
import { WrongExpectedRevision, PartialDuplicateAppend } from '../event-store/errors';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { GENESIS_HASH, verifyChain } from '../event-store/hash-chain';
import { createSerializer, type EventSerializer } from '../event-store/serializer';
import { eventually } from './eventually';

export type EventStoreHarness = {
  /** Opens the store; calling it again after close() reopens the same storage (a restart). */
  open(options?: { serializer?: EventSerializer }): Promise<EventStore>;
  cleanup(): Promise<void>;
};

export type HarnessFactory = ContractFactory<EventStoreHarness>;

const evt = (type: string, data: object = {}, id?: string) => ({ type, data, ...(id ? { id } : {}) });

/**
 * The behaviour every event store adapter must have (DESIGN §1). Each adapter's test file calls this with
 * a factory; an adapter whose server is not available passes `{ skip: reason }` and the reason is printed.
 */
export const describeEventStoreContract = (adapter: string, factory: HarnessFactory): void =>
  describeContract('EventStore', adapter, factory, (factory) => {
    let harness: EventStoreHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    const reopen = async (options?: { serializer?: EventSerializer }) => {
      await store.close();
      store = await harness.open(options);
      return store;
    };

    describe('appending and reading', () => {
      it('starts a stream at revision 0 and assigns increasing global positions', async () => {
        const first = await store.append('lane-a@prod', [evt('x.one', { n: 1 }), evt('x.two', { n: 2 })], { expectedRevision: 'no_stream' });
        const second = await store.append('lane-b@prod', [evt('x.one', { n: 3 })], { expectedRevision: -1 });
        expect(first.events.map((e) => e.revision)).toEqual([0, 1]);
        expect(first.revision).toBe(1);
        expect(second.events[0]!.revision).toBe(0);
        const positions = [...first.events, ...second.events].map((e) => e.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(3);
        expect(second.position).toBe(Math.max(...positions));
      });

      it('reads a stream forwards, backwards and from a revision', async () => {
        await store.append('s-1', [evt('a'), evt('b'), evt('c')], { expectedRevision: 'no_stream' });
        const forwards = await store.readStream('s-1');
        expect(forwards.revision).toBe(2);
        expect(forwards.events.map((e) => e.type)).toEqual(['a', 'b', 'c']);
        const backwards = await store.readStream('s-1', { direction: 'backwards', maxCount: 2 });
        expect(backwards.events.map((e) => e.type)).toEqual(['c', 'b']);
        const tail = await store.readStream('s-1', { fromRevision: 1 });
        expect(tail.events.map((e) => e.type)).toEqual(['b', 'c']);
      });

      it('reports revision -1 and no events for a stream that does not exist', async () => {
        expect(await store.readStream('nothing-here')).toEqual({ events: [], revision: -1 });
      });

      it('keeps the envelope: ids, types, data, occurredAt, metadata with actor and correlation', async () => {
        const actor = { kind: 'token' as const, id: 'tok-1', name: 'ci' };
        await store.append('s-env', [{ type: 'deployment.started', data: { version: '1.2.3', nested: { k: [1, 2] } }, occurredAt: '2026-01-02T03:04:05.000Z', id: 'e-1' }], {
          expectedRevision: 'any',
          actor,
          correlationId: 'corr-1',
          causationId: 'cause-1',
        });
        const [event] = (await store.readStream('s-env')).events;
        expect(event).toMatchObject({
          id: 'e-1',
          type: 'deployment.started',
          stream: 's-env',
          revision: 0,
          occurredAt: '2026-01-02T03:04:05.000Z',
          schemaVersion: 1,
          data: { version: '1.2.3', nested: { k: [1, 2] } },
          metadata: { actor, correlationId: 'corr-1', causationId: 'cause-1' },
        });
        expect(Date.parse(event!.recordedAt)).not.toBeNaN();
      });

      it('reads all events after a position in global order', async () => {
        await store.append('s-1', [evt('a'), evt('b')], { expectedRevision: 'any' });
        const middle = await store.append('s-2', [evt('c')], { expectedRevision: 'any' });
        await store.append('s-1', [evt('d')], { expectedRevision: 'any' });
        expect((await store.readAll()).map((e) => e.type)).toEqual(['a', 'b', 'c', 'd']);
        expect((await store.readAll(middle.position)).map((e) => e.type)).toEqual(['d']);
        expect((await store.readAll(0, 2)).map((e) => e.type)).toEqual(['a', 'b']);
        expect(await store.headPosition()).toBe((await store.readAll()).at(-1)!.position);
      });
    });

    describe('optimistic concurrency', () => {
      it('rejects an append whose expected revision is stale, with a typed error naming the actual revision', async () => {
        await store.append('s-c', [evt('a'), evt('b')], { expectedRevision: 'no_stream' });
        const attempt = store.append('s-c', [evt('c')], { expectedRevision: 0 });
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevision);
        await expect(attempt).rejects.toMatchObject({ stream: 's-c', expected: 0, actual: 1 });
        expect((await store.readStream('s-c')).events).toHaveLength(2);
      });

      it('rejects no_stream for an existing stream and accepts the exact revision or any', async () => {
        await store.append('s-c', [evt('a')], { expectedRevision: 'no_stream' });
        await expect(store.append('s-c', [evt('b')], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedRevision);
        await expect(store.append('s-c', [evt('b')], { expectedRevision: 0 })).resolves.toMatchObject({ revision: 1 });
        await expect(store.append('s-c', [evt('c')], { expectedRevision: 'any' })).resolves.toMatchObject({ revision: 2 });
      });

      it('lets exactly one of many concurrent writers win a revision without failing unrelated appends', async () => {
        const contenders = Array.from({ length: 10 }, (_, i) => store.append('s-race', [evt('won', { i })], { expectedRevision: 'no_stream' }));
        const bystanders = Array.from({ length: 10 }, (_, i) => store.append(`s-other-${i}`, [evt('ok')], { expectedRevision: 'no_stream' }));
        const results = await Promise.allSettled(contenders);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(losers).toHaveLength(9);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevision);
        await expect(Promise.all(bystanders)).resolves.toHaveLength(10);
        expect((await store.readStream('s-race')).events).toHaveLength(1);
      });
    });

    describe('idempotency', () => {
      it('stores an event id once; the retry reports it was already there with the original positions', async () => {
        const first = await store.append('s-i', [evt('a', {}, 'id-1'), evt('b', {}, 'id-2')], { expectedRevision: 'no_stream' });
        const retry = await store.append('s-i', [evt('a', {}, 'id-1'), evt('b', {}, 'id-2')], { expectedRevision: 'no_stream' });
        expect(first.alreadyAppended).toBe(false);
        expect(retry.alreadyAppended).toBe(true);
        expect(retry.events.map((e) => e.position)).toEqual(first.events.map((e) => e.position));
        expect(await store.readAll()).toHaveLength(2);
      });

      it('remembers ids across a restart', async () => {
        await store.append('s-i', [evt('a', {}, 'id-r')], { expectedRevision: 'any' });
        await reopen();
        const retry = await store.append('s-i', [evt('a', {}, 'id-r')], { expectedRevision: 'any' });
        expect(retry.alreadyAppended).toBe(true);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('dedupes concurrent retries of the same ids', async () => {
        const attempts = await Promise.all(Array.from({ length: 5 }, () => store.append('s-i', [evt('a', {}, 'id-c')], { expectedRevision: 'any' })));
        expect(attempts.filter((a) => !a.alreadyAppended)).toHaveLength(1);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('returns the earlier append for a repeated idempotency key and finds it by key', async () => {
        const first = await store.append('s-k', [evt('a')], { expectedRevision: 'any', idempotencyKey: 'key-1' });
        const again = await store.append('s-k', [evt('a')], { expectedRevision: 'any', idempotencyKey: 'key-1' });
        expect(again).toMatchObject({ alreadyAppended: true, position: first.position });
        expect((await store.findByIdempotencyKey('key-1'))?.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
        expect(await store.findByIdempotencyKey('key-unknown')).toBeNull();
        expect(await store.readAll()).toHaveLength(1);
      });

      it('refuses an append that mixes stored and new ids', async () => {
        await store.append('s-p', [evt('a', {}, 'id-p1')], { expectedRevision: 'any' });
        await expect(store.append('s-p', [evt('a', {}, 'id-p1'), evt('b', {}, 'id-p2')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          PartialDuplicateAppend,
        );
      });
    });

    describe('durability and load', () => {
      it('has an acknowledged append on disk: a reopened store reads it', async () => {
        await store.append('s-d', [evt('a', { v: 1 })], { expectedRevision: 'no_stream' });
        await reopen();
        expect((await store.readStream('s-d')).events.map((e) => e.data)).toEqual([{ v: 1 }]);
      });

      it('loses and duplicates nothing under 100 parallel appenders', async () => {
        const appenders = Array.from({ length: 100 }, (_, i) =>
          (async () => {
            for (let n = 0; n < 5; n += 1) {
              await store.append(`s-load-${i % 20}`, [evt('tick', { appender: i, n })], { expectedRevision: 'any' });
            }
          })(),
        );
        await Promise.all(appenders);
        const all = await store.readAll(0, 10_000);
        expect(all).toHaveLength(500);
        expect(new Set(all.map((e) => e.id)).size).toBe(500);
        expect(new Set(all.map((e) => `${(e.data as { appender: number }).appender}:${(e.data as { n: number }).n}`)).size).toBe(500);
        for (let s = 0; s < 20; s += 1) {
          const { events } = await store.readStream(`s-load-${s}`);
          expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        }
        expect(verifyChain(all)).toBeNull();
      });
    });

    describe('search (audit)', () => {
      it('finds events by stream pattern, type or type prefix, actor and recording time, in order and paged', async () => {
        const alice = { kind: 'token' as const, id: 'tok-a', name: 'alice' };
        await store.append('lane-api@prod', [evt('deployment.started'), evt('deployment.completed')], { expectedRevision: 'any', actor: alice });
        await store.append('lane-web@prod', [evt('deployment.started')], { expectedRevision: 'any' });
        await store.append('build-api@1.0.0', [evt('build.completed')], { expectedRevision: 'any', actor: alice });
        const types = async (search: Omit<Parameters<EventStore['searchEvents']>[0], 'limit'>) => (await store.searchEvents({ limit: 100, ...search })).map((e) => `${e.stream}:${e.type}`);
        expect(await types({ streamGlobs: ['lane-api@*', 'build-api@*'] })).toEqual(['lane-api@prod:deployment.started', 'lane-api@prod:deployment.completed', 'build-api@1.0.0:build.completed']);
        expect(await types({ streamGlobs: ['lane-*@prod'], types: ['deployment.started'] })).toEqual(['lane-api@prod:deployment.started', 'lane-web@prod:deployment.started']);
        expect(await types({ typePrefixes: ['build.'] })).toEqual(['build-api@1.0.0:build.completed']);
        expect(await types({ actor: 'alice' })).toHaveLength(3);
        expect(await types({ actor: 'tok-a', types: ['build.completed'] })).toHaveLength(1);
        expect(await types({ recordedBefore: '2000-01-01T00:00:00.000Z' })).toEqual([]);
        const [first] = await store.searchEvents({ limit: 1 });
        expect((await store.searchEvents({ afterPosition: first!.position, limit: 1 }))[0]!.type).toBe('deployment.completed');
      });
    });

    describe('hash chain', () => {
      it('links each event to the previous one of its stream', async () => {
        await store.append('s-h', [evt('a'), evt('b')], { expectedRevision: 'any' });
        await store.append('s-other', [evt('x')], { expectedRevision: 'any' });
        await store.append('s-h', [evt('c')], { expectedRevision: 'any' });
        const { events } = await store.readStream('s-h');
        expect(events[0]!.metadata.prevHash).toBe(GENESIS_HASH);
        expect(events[1]!.metadata.prevHash).toBe(events[0]!.metadata.hash);
        expect(events[2]!.metadata.prevHash).toBe(events[1]!.metadata.hash);
        expect(events[0]!.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(verifyChain(await store.readAll())).toBeNull();
      });
    });

    describe('catch-up subscription', () => {
      const collect = () => {
        const seen: RecordedEvent[] = [];
        return { seen, handler: async (events: readonly RecordedEvent[]) => void seen.push(...events) };
      };

      it('delivers existing then new events in order, woken by appends', async () => {
        await store.append('s-sub', [evt('a'), evt('b')], { expectedRevision: 'any' });
        const { seen, handler } = collect();
        const subscription = store.subscribeToAll({ handler, batchSize: 1 });
        await eventually(() => expect(seen.map((e) => e.type)).toEqual(['a', 'b']));
        await store.append('s-sub', [evt('c')], { expectedRevision: 'any' });
        await eventually(() => expect(seen.map((e) => e.type)).toEqual(['a', 'b', 'c']), { within: 500 });
        await subscription.stop();
      });

      it('resumes after a restart from its stored checkpoint', async () => {
        await store.append('s-sub', [evt('a'), evt('b')], { expectedRevision: 'any' });
        const before = collect();
        const first = store.subscribeToAll({ handler: before.handler, checkpointName: 'reactor-x' });
        await eventually(() => expect(before.seen).toHaveLength(2));
        await eventually(async () => expect(await store.readCheckpoint('reactor-x')).toBe(before.seen[1]!.position));
        await first.stop();
        await reopen();
        await store.append('s-sub', [evt('c')], { expectedRevision: 'any' });
        const after = collect();
        const second = store.subscribeToAll({ handler: after.handler, checkpointName: 'reactor-x' });
        await eventually(() => expect(after.seen.map((e) => e.type)).toEqual(['c']));
        await second.stop();
      });

      it('starts after a given position and retries a failing batch instead of skipping it', async () => {
        const skipped = await store.append('s-sub', [evt('a')], { expectedRevision: 'any' });
        await store.append('s-sub', [evt('b')], { expectedRevision: 'any' });
        let failures = 0;
        const seen: string[] = [];
        const subscription = store.subscribeToAll({
          fromPosition: skipped.position,
          handler: async (events) => {
            if (failures < 2) {
              failures += 1;
              throw new Error('projection temporarily down');
            }
            seen.push(...events.map((e) => e.type));
          },
        });
        await eventually(() => expect(seen).toEqual(['b']));
        expect(failures).toBe(2);
        await subscription.stop();
      });

      it('with a minimum batch interval, hands over what a busy store appended meanwhile in one batch, and a quiet store\'s next event at once', async () => {
        const batches: { types: string[]; at: number }[] = [];
        const subscription = store.subscribeToAll({
          minBatchIntervalMs: 1_000,
          handler: async (events) => void batches.push({ types: events.map((e) => e.type), at: Date.now() }),
        });
        await store.append('s-sub', [evt('a')], { expectedRevision: 'any' });
        await eventually(() => expect(batches).toHaveLength(1));
        // Two appends well apart, both within the interval after the first batch: handed over together.
        await store.append('s-sub', [evt('b')], { expectedRevision: 'any' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.append('s-sub', [evt('c')], { expectedRevision: 'any' });
        await eventually(() => expect(batches.map((b) => b.types)).toEqual([['a'], ['b', 'c']]), { within: 3_000 });
        expect(batches[1]!.at - batches[0]!.at).toBeGreaterThanOrEqual(900);
        // Quiet for longer than the interval: the next event does not wait for another one.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const appendedAt = Date.now();
        await store.append('s-sub', [evt('d')], { expectedRevision: 'any' });
        await eventually(() => expect(batches.map((b) => b.types)).toEqual([['a'], ['b', 'c'], ['d']]), { within: 3_000 });
        expect(batches[2]!.at - appendedAt).toBeLessThan(800);
        await subscription.stop();
      });

      it('stops without waiting for the rest of a batch interval', async () => {
        const subscription = store.subscribeToAll({ minBatchIntervalMs: 60_000, handler: async () => undefined });
        await store.append('s-sub', [evt('a')], { expectedRevision: 'any' });
        await eventually(() => expect(subscription.position).toBeGreaterThan(0));
        const stopping = Date.now();
        await subscription.stop();
        expect(Date.now() - stopping).toBeLessThan(5_000);
      });
    });

    describe('schema versions', () => {
      it('upcasts old payloads on read and writes new events at the current version', async () => {
        await store.append('s-v', [{ type: 'thing.happened', data: { name: 'x' }, schemaVersion: 1 }], { expectedRevision: 'any' });
        const serializer = createSerializer({
          'thing.happened': { current: 2, upcasters: { 1: (data) => ({ ...data, label: data['name'], name: undefined }) } },
        });
        await reopen({ serializer });
        await store.append('s-v', [evt('thing.happened', { label: 'y' })], { expectedRevision: 'any' });
        const { events } = await store.readStream('s-v');
        expect(events.map((e) => [e.schemaVersion, e.data])).toEqual([
          [2, { label: 'x', name: undefined }],
          [2, { label: 'y' }],
        ]);
      });
    });
  });

