import { describeContract, type ContractFactory } from './contract';
import type { EventStore } from '../event-store/event-store.port';
import { LeaseLost, type LeaseStore } from '../event-store/lease.port';
import { eventually } from './eventually';

export type LeaseHarness = { open(): Promise<EventStore & LeaseStore>; cleanup(): Promise<void> };
export type LeaseFactory = ContractFactory<LeaseHarness>;

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, seconds));

/** Leases with fencing terms, as every event store adapter that hosts reactors for several replicas must have them. */
export const describeLeaseContract = (adapter: string, factory: LeaseFactory): void =>
  describeContract('Lease', adapter, factory, (factory) => {
    let harness: LeaseHarness;
    let store: EventStore & LeaseStore;
    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('grants a free lease, refuses it to another holder until it expires, then gives it over with the next term', async () => {
      expect(await store.acquireLease('reactors', 'a', 10_000, at(0))).toMatchObject({ holder: 'a', term: 1, expiresAt: at(10).toISOString() });
      expect(await store.acquireLease('reactors', 'b', 10_000, at(5))).toBeNull();
      expect(await store.acquireLease('reactors', 'a', 10_000, at(6))).toMatchObject({ term: 1, expiresAt: at(16).toISOString() });
      expect(await store.acquireLease('reactors', 'b', 10_000, at(15))).toBeNull();
      expect(await store.acquireLease('reactors', 'b', 10_000, at(16))).toMatchObject({ holder: 'b', term: 2 });
      expect(await store.acquireLease('reactors', 'a', 10_000, at(17))).toBeNull();
    });

    it('hands a released lease to the next holder at once; releasing a lease one does not hold changes nothing', async () => {
      await store.acquireLease('reactors', 'a', 10_000, at(0));
      await store.releaseLease('reactors', 'b');
      expect(await store.acquireLease('reactors', 'b', 10_000, at(1))).toBeNull();
      await store.releaseLease('reactors', 'a');
      expect(await store.acquireLease('reactors', 'b', 10_000, at(1))).toMatchObject({ holder: 'b', term: 2 });
    });

    it('keeps leases apart by name and across a reopen', async () => {
      await store.acquireLease('reactors', 'a', 10_000, at(0));
      expect(await store.acquireLease('timers', 'b', 10_000, at(0))).toMatchObject({ term: 1 });
      await store.close();
      store = await harness.open();
      expect(await store.acquireLease('reactors', 'b', 10_000, at(1))).toBeNull();
    });

    it('fences checkpoints: after another holder took the lease, the old holder cannot move its checkpoint', async () => {
      const grant = (await store.acquireLease('reactors', 'a', 10_000, new Date()))!;
      const errors: unknown[] = [];
      const handled: string[] = [];
      const subscription = store.subscribeToAll({
        checkpointName: 'fenced',
        fence: { lease: 'reactors', holder: 'a', term: grant.term },
        handler: async (events) => void handled.push(...events.map((e) => e.id)),
        onError: (error) => void errors.push(error),
      });
      try {
        const first = await store.append('s-fence', [{ type: 'x.one', data: {} }], { expectedRevision: 'any' });
        await eventually(async () => expect(await store.readCheckpoint('fenced')).toBe(first.position));
        await store.releaseLease('reactors', 'a');
        await store.acquireLease('reactors', 'b', 10_000, new Date());
        await store.append('s-fence', [{ type: 'x.two', data: {} }], { expectedRevision: 'any' });
        await eventually(() => expect(errors.some((error) => error instanceof LeaseLost)).toBe(true));
        expect(await store.readCheckpoint('fenced')).toBe(first.position);
      } finally {
        await subscription.stop();
      }
    });
  });

