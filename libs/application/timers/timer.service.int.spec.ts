import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { manualClock } from '../../testing/clock';
import { eventually } from '../../testing/eventually';
import { TimerService } from './timer.service';

const T0 = '2026-11-23T10:00:00.000Z';
const meta = { actor: { kind: 'system' as const, id: 'test', name: 'test' }, correlationId: 'c' };
const action = { type: 'DispatchDeployment' as const, product: 'api', environment: 'prod', deployment_id: 'd-1' };

describe('durable timers (SQLite, injected clock)', () => {
  let dir: string;
  let store: SqliteEventStore;
  const clock = manualClock(T0);
  const timerEvents = async () => (await store.readStream('timers')).events.map((e) => e.type);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-timers-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.db'), clock });
    clock.set(T0);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fires a timer that fell due while no server ran, exactly once across restarts', async () => {
    const first = new TimerService(store, clock);
    await first.start();
    await first.schedule({ timer_id: 't-1', due_at: '2026-11-23T11:00:00.000Z', action }, meta);
    await first.schedule({ timer_id: 't-1', due_at: '2026-11-23T11:00:00.000Z', action }, meta);
    first.stop();
    expect(await timerEvents()).toEqual(['timer.scheduled']);

    await store.close();
    clock.set('2026-11-23T12:00:00.000Z'); // the server was down when the timer fell due
    store = SqliteEventStore.open({ file: join(dir, 'events.db'), clock });
    const second = new TimerService(store, clock);
    await second.start();
    await eventually(async () => expect(await timerEvents()).toEqual(['timer.scheduled', 'timer.fired']));
    second.stop();

    const third = new TimerService(store, clock);
    await third.start();
    await new Promise((resolve) => setImmediate(resolve));
    third.stop();
    expect(await timerEvents()).toEqual(['timer.scheduled', 'timer.fired']);
  });

  it('does not fire a cancelled timer', async () => {
    const service = new TimerService(store, clock);
    await service.start();
    await service.schedule({ timer_id: 't-2', due_at: '2026-11-23T11:00:00.000Z', action }, meta);
    await service.cancel('t-2', meta);
    service.stop();
    clock.set('2026-11-23T12:00:00.000Z');
    const restarted = new TimerService(store, clock);
    await restarted.start();
    await new Promise((resolve) => setImmediate(resolve));
    restarted.stop();
    expect(await timerEvents()).toEqual(['timer.scheduled', 'timer.cancelled']);
  });
});
