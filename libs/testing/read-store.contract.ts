import { describeContract, type ContractFactory } from './contract';
import type { Doc, ReadStore } from '../read-models/read-store.port';

export type ReadStoreHarness = { open(): Promise<ReadStore>; cleanup(): Promise<void> };
export type ReadStoreFactory = ContractFactory<ReadStoreHarness>;

const projection = (version = 1) => ({
  name: 'things',
  version,
  collections: [{ name: 'things', indexes: [['kind', 'rank', 'id'], ['rank', 'id']] }],
});

type Thing = Doc & { kind: string; rank: number; active: boolean; note: string | null };

const thing = (id: string, kind: string, rank: number, active = true, note: string | null = null): Thing => ({ id, kind, rank, active, note });

/** The behaviour every read store adapter must have; imported by each adapter's test file. */
export const describeReadStoreContract = (adapter: string, factory: ReadStoreFactory): void =>
  describeContract('ReadStore', adapter, factory, (factory) => {
    let harness: ReadStoreHarness;
    let store: ReadStore;

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
      await store.prepare(projection());
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    const seed = async (...things: Thing[]) => {
      const from = (await store.checkpoint('things')) ?? 0;
      return store.commit('things', { from, to: from + 10 }, async (tx) => things.forEach((t) => tx.put('things', t)));
    };

    it('commits writes together with the checkpoint, and reads its own writes inside the unit of work', async () => {
      await store.commit('things', { from: 0, to: 7 }, async (tx) => {
        tx.put('things', thing('a', 'x', 1));
        expect(await tx.get('things', 'a')).toMatchObject({ rank: 1 });
        tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 2 });
      });
      expect(await store.get('things', 'a')).toEqual(thing('a', 'x', 2));
      expect(await store.checkpoint('things')).toBe(7);
    });

    it('writes nothing and keeps the checkpoint when the unit of work fails', async () => {
      await expect(
        store.commit('things', { from: 0, to: 9 }, async (tx) => {
          tx.put('things', thing('a', 'x', 1));
          throw new Error('projection bug');
        }),
      ).rejects.toThrow('projection bug');
      expect(await store.get('things', 'a')).toBeNull();
      expect(await store.checkpoint('things')).toBe(0);
    });

    it('finds an updated document by its new values only, whichever fields changed and however it was changed', async () => {
      await seed(thing('a', 'x', 1, true, 'n'), thing('b', 'x', 2));
      // Read then replaced: one indexed field changed, another not, an unindexed one too.
      await store.commit('things', { from: 10, to: 11 }, async (tx) => tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 5, note: null }));
      // Read then changed in place (the very object the unit of work handed out).
      await store.commit('things', { from: 11, to: 12 }, async (tx) => {
        const b = (await tx.get<Thing>('things', 'b'))!;
        b.kind = 'y';
        tx.put('things', b);
      });
      // Updated twice in one unit of work.
      await store.commit('things', { from: 12, to: 13 }, async (tx) => {
        tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 7 });
        tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 3, active: false });
      });
      expect(await store.get('things', 'a')).toEqual(thing('a', 'x', 3, false, null));
      const ids = async (where: Record<string, unknown>) => (await store.find<Thing>('things', { where: where as never })).map((t) => t.id).sort();
      expect(await ids({ rank: 3 })).toEqual(['a']);
      for (const old of [1, 5, 7]) expect(await ids({ rank: old })).toEqual([]);
      expect(await ids({ kind: 'x' })).toEqual(['a']);
      expect(await ids({ kind: 'y' })).toEqual(['b']);
      expect(await ids({ active: false })).toEqual(['a']);
      expect(await ids({ note: null })).toEqual(['a', 'b']);
    });

    it('deletes documents', async () => {
      await seed(thing('a', 'x', 1));
      await store.commit('things', { from: 10, to: 11 }, async (tx) => tx.delete('things', 'a'));
      expect(await store.get('things', 'a')).toBeNull();
    });

    it('commits only from the stored checkpoint: a second instance that lost the race writes nothing', async () => {
      await seed(thing('a', 'x', 1));
      const other = await harness.open();
      try {
        expect(await other.commit('things', { from: 10, to: 12 }, async (tx) => tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 2 }))).toBe(true);
        const stale = await store.commit('things', { from: 10, to: 11 }, async (tx) => {
          tx.put('things', { ...(await tx.get<Thing>('things', 'a'))!, rank: 99 });
          tx.put('things', thing('b', 'y', 5));
        });
        expect(stale).toBe(false);
        expect(await store.get('things', 'a')).toEqual(thing('a', 'x', 2));
        expect(await store.get('things', 'b')).toBeNull();
        expect(await store.checkpoint('things')).toBe(12);
        // Retried from the adopted checkpoint, the unit of work reads what the winner wrote, not what it read before.
        let seen: Thing | null = null;
        expect(await store.commit('things', { from: 12, to: 13 }, async (tx) => void (seen = await tx.get<Thing>('things', 'a')))).toBe(true);
        expect(seen).toEqual(thing('a', 'x', 2));
      } finally {
        await other.close();
      }
    });

    it('filters by equality, booleans, null, lists and ranges', async () => {
      await seed(thing('a', 'x', 1), thing('b', 'y', 2, false), thing('c', 'x', 3, true, 'n'), thing('d', 'z', 4));
      const ids = async (where: Parameters<ReadStore['find']>[1]) => (await store.find('things', { ...where, orderBy: [['id', 'asc']] })).map((t) => t.id);
      expect(await ids({ where: { kind: 'x' } })).toEqual(['a', 'c']);
      expect(await ids({ where: { active: false } })).toEqual(['b']);
      expect(await ids({ where: { note: null } })).toEqual(['a', 'b', 'd']);
      expect(await ids({ where: { kind: { in: ['y', 'z'] } } })).toEqual(['b', 'd']);
      expect(await ids({ where: { kind: { in: [] } } })).toEqual([]);
      expect(await ids({ where: { rank: { gte: 2, lt: 4 } } })).toEqual(['b', 'c']);
    });

    it('sorts and pages with a keyset that never repeats or skips rows', async () => {
      await seed(thing('a', 'x', 2), thing('b', 'x', 1), thing('c', 'x', 2), thing('d', 'x', 3), thing('e', 'y', 2));
      const orderBy = [
        ['rank', 'desc'],
        ['id', 'asc'],
      ] as const;
      const first = await store.find<Thing>('things', { orderBy, limit: 2 });
      expect(first.map((t) => t.id)).toEqual(['d', 'a']);
      const second = await store.find<Thing>('things', { orderBy, after: [2, 'a'], limit: 2 });
      expect(second.map((t) => t.id)).toEqual(['c', 'e']);
      const third = await store.find<Thing>('things', { orderBy, after: [2, 'e'], limit: 2 });
      expect(third.map((t) => t.id)).toEqual(['b']);
    });

    it('rebuilds into fresh collections while the old ones keep serving, then swaps them in atomically', async () => {
      await seed(thing('old', 'x', 1));
      const target = await store.beginRebuild(projection());
      await target.commit(20, async (tx) => tx.put('things', thing('new', 'y', 2)));
      expect((await store.find('things')).map((t) => t.id)).toEqual(['old']);
      await target.commit(25, async (tx) => tx.put('things', { ...(await tx.get<Thing>('things', 'new'))!, rank: 3 }));
      await target.swap();
      expect(await store.find('things')).toEqual([thing('new', 'y', 3)]);
      expect(await store.checkpoint('things')).toBe(25);
      expect((await store.find('things', { where: { kind: 'y' } })).map((t) => t.id)).toEqual(['new']);
    });

    it('lets every unit of work of a rebuild read what earlier ones wrote, updated or deleted, however many documents', async () => {
      await seed(thing('old', 'x', 1));
      const target = await store.beginRebuild(projection());
      const units = 20;
      const perUnit = 400; // 8,000 documents: more than any adapter keeps at hand, so earlier ones come back from storage
      const seen: (number | null)[] = [];
      for (let unit = 0; unit < units; unit += 1) {
        await target.commit(100 + unit, async (tx) => {
          for (let i = 0; i < perUnit; i += 1) tx.put('things', thing(`t${unit}-${i}`, 'y', unit));
          if (unit === 0) return;
          // The first unit's document, raised by every unit; the previous unit's, deleted; one of the first unit's,
          // never written again (long out of any cache); one never written.
          const first = await tx.get<Thing>('things', 't0-0');
          const previous = await tx.get<Thing>('things', `t${unit - 1}-1`);
          const untouched = await tx.get<Thing>('things', `t0-${100 + unit}`);
          seen.push(first?.rank ?? null, previous?.rank ?? null, untouched?.rank ?? null, (await tx.get<Thing>('things', 'never')) === null ? -1 : -2);
          tx.put('things', { ...first!, rank: first!.rank + 1 });
          tx.delete('things', `t${unit - 1}-1`);
        });
      }
      await target.swap();
      // Unit u reads t0-0 at rank u - 1 (raised once by each unit before it) and t(u-1)-1 as the previous unit wrote it.
      expect(seen).toEqual(Array.from({ length: units - 1 }, (_, k) => [k, k, 0, -1]).flat());
      const all = await store.find<Thing>('things');
      expect(all).toHaveLength(units * perUnit - (units - 1));
      expect(all.find((t) => t.id === 't0-0')?.rank).toBe(units - 1);
      expect(all.some((t) => t.id === 't5-1' || t.id === 'old')).toBe(false);
    });

    it('starts every rebuild from empty collections, even one begun again while another rebuild is still running', async () => {
      const others = { name: 'others', version: 1, collections: [{ name: 'others', indexes: [] }] };
      await store.prepare(others);
      const long = await store.beginRebuild(others);
      let target = await store.beginRebuild(projection());
      await target.commit(10, async (tx) => tx.put('things', thing('x', 'y', 1)));
      await target.swap();
      target = await store.beginRebuild(projection());
      let seen: Thing | null | undefined;
      await target.commit(5, async (tx) => void (seen = await tx.get<Thing>('things', 'x')));
      expect(seen).toBeNull();
      await target.swap();
      await long.swap();
      expect(await store.find('things')).toEqual([]);
    });

    it('leaves the live collections untouched when a rebuild is abandoned', async () => {
      await seed(thing('old', 'x', 1));
      const target = await store.beginRebuild(projection());
      await target.commit(20, async (tx) => tx.put('things', thing('new', 'y', 2)));
      await target.abort();
      expect((await store.find('things')).map((t) => t.id)).toEqual(['old']);
      expect(await store.checkpoint('things')).toBe(10);
    });

    it('keeps checkpoints across restarts and resets a projection whose version changed', async () => {
      await seed(thing('a', 'x', 1));
      await store.close();
      store = await harness.open();
      expect(await store.prepare(projection(1))).toBe(10);
      expect(await store.get('things', 'a')).not.toBeNull();
      expect(await store.prepare(projection(2))).toBe(0);
      expect(await store.get('things', 'a')).toBeNull();
    });
  });

