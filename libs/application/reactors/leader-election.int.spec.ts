import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../event-store/ids';
import type { LeaseFence } from '../../event-store/lease.port';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { eventually } from '../../testing/eventually';
import { LeaderElection } from './leader-election';

/** Two replicas' elections on one SQLite store (two connections to one file, as two processes would have). */
describe('leader election on the store lease', () => {
  let dir: string;
  const stores: SqliteEventStore[] = [];
  const elections: LeaderElection[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-election-'));
  });
  afterEach(async () => {
    await Promise.all(elections.splice(0).map((e) => e.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const replica = (holder: string) => {
    const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
    const active: LeaseFence[] = [];
    const events: string[] = [];
    const election = new LeaderElection(store, {
      lease: 'reactors',
      holder,
      ttlMs: 300,
      clock: systemClock,
      onElected: async (fence) => void (active.push(fence), events.push(`elected ${fence.term}`)),
      onDemoted: async () => void (active.pop(), events.push('demoted')),
      log: () => undefined,
    });
    stores.push(store);
    elections.push(election);
    return { store, election, active, events };
  };

  it('elects one replica; a clean stop hands over at once with the next term', async () => {
    const a = replica('a');
    const b = replica('b');
    await a.election.start();
    await b.election.start();
    expect(a.election.status()).toMatchObject({ role: 'leader', term: 1 });
    expect(b.election.status()).toMatchObject({ role: 'standby', term: null });
    await a.election.stop();
    expect(a.events).toEqual(['elected 1', 'demoted']);
    await eventually(() => expect(b.election.status()).toMatchObject({ role: 'leader', term: 2 }), { within: 1_000 });
    expect(b.active).toEqual([{ lease: 'reactors', holder: 'b', term: 2 }]);
  });

  it('a leader that cannot renew steps down before its lease expires; a standby takes over after the expiry', async () => {
    const a = replica('a');
    const b = replica('b');
    await a.election.start();
    await b.election.start();
    await a.store.close(); // a's store is gone (network partition, disk failure): renewals fail
    await eventually(() => expect(a.election.status().role).toBe('standby'), { within: 1_000 });
    expect(a.active).toEqual([]);
    await eventually(() => expect(b.election.status()).toMatchObject({ role: 'leader', term: 2 }), { within: 1_500 });
  });
});
