import { describeContract, type ContractFactory } from './contract';
import type { EventImporter, EventMetadata, EventStore, RecordedEvent } from '../event-store/event-store.port';
import { GENESIS_HASH, eventHash, verifyChain } from '../event-store/hash-chain';
import type { EventStoreHarness } from './event-store.contract';

/** The EventStore harness, opening a store that also imports (EventImporter). */
export type EventImporterHarness = Omit<EventStoreHarness, 'open'> & { open(): Promise<EventStore & EventImporter> };
export type EventImporterHarnessFactory = ContractFactory<EventImporterHarness>;

type Draft = { id: string; type: string; data: object; schemaVersion?: number; idempotencyKey?: string };

const ACTOR = { kind: 'token' as const, id: 'tok-src', name: 'source-ci' };

/**
 * Recorded events as another store would hand them over: hashed in stream order, `position` only as the source's.
 * `heads` carries each stream's chain across calls, so a test can build one history in several slices.
 */
const history = () => {
  const heads = new Map<string, { revision: number; hash: string }>();
  let position = 100;
  return (stream: string, ...drafts: Draft[]): RecordedEvent[] =>
    drafts.map(({ id, type, data, schemaVersion = 1, idempotencyKey }) => {
      const head = heads.get(stream) ?? { revision: -1, hash: GENESIS_HASH };
      position += 7; // a source's positions are its own: not the target's
      const minute = String(position % 60).padStart(2, '0');
      const metadata: Omit<EventMetadata, 'prevHash' | 'hash'> = {
        actor: ACTOR,
        correlationId: `corr-${id}`,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      };
      const unhashed = {
        id,
        type,
        stream,
        revision: head.revision + 1,
        occurredAt: `2025-03-04T05:${minute}:00.000Z`,
        recordedAt: `2025-03-04T05:${minute}:01.250Z`,
        schemaVersion,
        data,
        metadata,
      };
      const hash = eventHash(head.hash, unhashed);
      heads.set(stream, { revision: unhashed.revision, hash });
      return { ...unhashed, position, metadata: { ...metadata, prevHash: head.hash, hash } };
    });
};

const withoutPosition = ({ position: _position, ...rest }: RecordedEvent) => rest;

/** The refusal names the stream and the revision (EventImporter's doc comment). */
const expectRefused = async (attempt: Promise<void>, stream: string, revision: number) => {
  const error: unknown = await attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toContain(stream);
  expect((error as Error).message).toMatch(new RegExp(`revision ${revision}\\b`));
};

/**
 * What every EventImporter must do (`shiplog migrate` relies on it). Each adapter's test file calls this with a
 * factory; one whose server is not available passes `{ skip: reason }` and the reason is printed.
 */
export const describeEventImporterContract = (adapter: string, factory: EventImporterHarnessFactory): void =>
  describeContract('EventImporter', adapter, factory, (factory) => {
    let harness: EventImporterHarness;
    let store: EventStore & EventImporter;

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('copies events as they are: ids, order, types, data, timestamps, schema versions and hashes; positions are its own', async () => {
      const source = history();
      const lane = 'lane-api@prod';
      const build = 'build-api@1.2.0';
      const first = [
        ...source(lane, { id: 'e-1', type: 'deployment.started', data: { version: '1.2.0', nested: { k: [1, 2.5, 'x'] } }, idempotencyKey: 'ci-run-7' }),
        ...source(build, { id: 'e-2', type: 'build.completed', data: { scm_sha: 'abc' }, schemaVersion: 3 }),
        ...source(lane, { id: 'e-3', type: 'deployment.completed', data: { version: '1.2.0' } }),
      ];
      const second = source(lane, { id: 'e-4', type: 'deployment.started', data: { version: '1.3.0' } }, { id: 'e-5', type: 'deployment.failed', data: { version: '1.3.0', error: 'boom' } });
      const signalled: number[] = [];
      const unsubscribe = store.onAppended((position) => signalled.push(position));

      await store.importEvents(first);
      await store.importEvents(second);
      unsubscribe();

      const all = await store.readAll(0, 100);
      const copied = [...first, ...second];
      expect(all.map(withoutPosition)).toEqual(copied.map(withoutPosition));
      const positions = all.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(copied.length);
      expect(await store.headPosition()).toBe(positions.at(-1));
      expect(signalled.at(-1)).toBe(positions.at(-1));
      expect((await store.readStream(lane)).events.map(withoutPosition)).toEqual(copied.filter((e) => e.stream === lane).map(withoutPosition));
      expect((await store.readStream(lane)).revision).toBe(3);
      expect((await store.findByIdempotencyKey('ci-run-7'))?.map((e) => e.id)).toEqual(['e-1']);
      expect(verifyChain(all)).toBeNull();
    });

    it('accepts an empty import and writes nothing', async () => {
      await store.importEvents([]);
      expect(await store.headPosition()).toBe(0);
    });

    it('refuses a gap in revisions and writes nothing of that call', async () => {
      const source = history();
      const [zero, one, two] = source('s-gap', { id: 'g-0', type: 'a', data: {} }, { id: 'g-1', type: 'b', data: {} }, { id: 'g-2', type: 'c', data: {} });
      await store.importEvents([zero!]);
      await expectRefused(store.importEvents([two!]), 's-gap', 2);
      const [other] = history()('s-fine', { id: 'f-0', type: 'a', data: {} });
      await expectRefused(store.importEvents([other!, two!]), 's-gap', 2);
      await expectRefused(store.importEvents([zero!]), 's-gap', 0); // a revision already there is no head + 1 either
      expect((await store.readAll(0, 100)).map((e) => e.id)).toEqual(['g-0']);
      await store.importEvents([one!, two!]);
      expect((await store.readStream('s-gap')).events.map((e) => e.id)).toEqual(['g-0', 'g-1', 'g-2']);
    });

    it('refuses a broken prevHash, at revision 0 too, and writes nothing of that call', async () => {
      const [zero, one] = history()('s-hash', { id: 'h-0', type: 'a', data: {} }, { id: 'h-1', type: 'b', data: { n: 1 } });
      const notGenesis = { ...zero!, metadata: { ...zero!.metadata, prevHash: 'f'.repeat(64) } };
      await expectRefused(store.importEvents([notGenesis]), 's-hash', 0);
      const relinked = { ...one!, metadata: { ...one!.metadata, prevHash: 'e'.repeat(64) } };
      await expectRefused(store.importEvents([zero!, relinked]), 's-hash', 1);
      expect(await store.readAll(0, 100)).toEqual([]);
      // The same revision 1 hashed after a different revision 0 does not link either.
      const [, foreign] = history()('s-hash', { id: 'x-0', type: 'a', data: { other: true } }, { id: 'x-1', type: 'b', data: {} });
      await store.importEvents([zero!]);
      await expectRefused(store.importEvents([foreign!]), 's-hash', 1);
      expect((await store.readAll(0, 100)).map((e) => e.id)).toEqual(['h-0']);
    });

    it('refuses an event without a hash (the next one could not chain to it) and writes nothing of that call', async () => {
      const [zero] = history()('s-nohash', { id: 'n-0', type: 'a', data: {} });
      const { hash: _hash, ...unhashed } = zero!.metadata;
      await expectRefused(store.importEvents([{ ...zero!, metadata: unhashed as RecordedEvent['metadata'] }]), 's-nohash', 0);
      expect(await store.readAll(0, 100)).toEqual([]);
    });

    it('continues the hash chain when a normal append follows the import', async () => {
      const imported = history()('lane-web@prod', { id: 'w-0', type: 'deployment.started', data: { version: '1' } }, { id: 'w-1', type: 'deployment.completed', data: { version: '1' } });
      await store.importEvents(imported);
      const appended = await store.append('lane-web@prod', [{ type: 'deployment.started', data: { version: '2' } }], { expectedRevision: 1 });
      expect(appended.events[0]).toMatchObject({ revision: 2, metadata: { prevHash: imported[1]!.metadata.hash } });
      const all = await store.readAll(0, 100);
      expect(all.map((e) => e.id)).toEqual(['w-0', 'w-1', appended.events[0]!.id]);
      expect(verifyChain(all)).toBeNull();
    });

    it('keeps imported events across a restart', async () => {
      const imported = history()('s-durable', { id: 'd-0', type: 'a', data: { v: 1 } });
      await store.importEvents(imported);
      await store.close();
      store = await harness.open();
      expect((await store.readAll(0, 100)).map(withoutPosition)).toEqual(imported.map(withoutPosition));
    });
  });

