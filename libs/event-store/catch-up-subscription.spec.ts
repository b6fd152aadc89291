import { eventually } from '../testing/eventually';
import { startCatchUpSubscription } from './catch-up-subscription';
import type { RecordedEvent } from './event-store.port';

const event = (position: number): RecordedEvent => ({
  id: `e-${position}`,
  type: 'thing.happened',
  stream: 'things',
  revision: position - 1,
  position,
  occurredAt: '2026-11-24T00:00:00.000Z',
  recordedAt: '2026-11-24T00:00:00.000Z',
  schemaVersion: 1,
  data: { n: position },
  metadata: { actor: { kind: 'system', id: 'system:test', name: 'test' }, correlationId: 'c', prevHash: '', hash: '' },
});

/**
 * A log the subscription reads, recording each read's position and whether it had to be fresh. Like the SQLite
 * store, a read that need not be fresh answers nothing past what this process appended (another's appends need a fresh one).
 */
const fakeLog = () => {
  const events: RecordedEvent[] = [];
  const listeners = new Set<() => void>();
  const reads: { after: number; fresh: boolean }[] = [];
  let appendedHere = 0;
  return {
    reads,
    read: async (after: number, max: number, fresh: boolean) => {
      reads.push({ after, fresh });
      if (!fresh && after >= appendedHere) return [];
      return events.filter((e) => e.position > after).slice(0, max);
    },
    onAppended: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Another process's append: in the log, but nobody is woken. */
    appendUnannounced: () => void events.push(event(events.length + 1)),
    /** A wake-up with nothing new (an append that repeated one already stored). */
    wakeOnly: () => {
      for (const listener of listeners) listener();
    },
    /** This process's append: in the log, and the subscription is woken. */
    append: () => {
      events.push(event(events.length + 1));
      appendedHere = events.length;
      for (const listener of listeners) listener();
    },
  };
};

/** Runs `test` against a subscription to `log` from the start, recording the positions it delivered; stops it after. */
const subscribed = async (log: ReturnType<typeof fakeLog>, idlePollMs: number, test: (delivered: number[]) => Promise<void>) => {
  const delivered: number[] = [];
  const subscription = startCatchUpSubscription({ ...log, fromPosition: 0, batchSize: 10, idlePollMs, handler: async (events) => void delivered.push(...events.map((e) => e.position)) });
  try {
    await test(delivered);
  } finally {
    await subscription.stop();
  }
};

describe('catch-up subscription reads', () => {
  it('given a subscription starting, when it reads first, then the read is fresh', async () => {
    const log = fakeLog();
    log.appendUnannounced();
    await subscribed(log, 60_000, async (delivered) => {
      await eventually(() => expect(delivered).toEqual([1]));
      expect(log.reads[0]).toEqual({ after: 0, fresh: true });
    });
  });

  it('given a subscription caught up, when an append of this process wakes it, then it reads without asking for fresh reads (after the batch too)', async () => {
    const log = fakeLog();
    await subscribed(log, 60_000, async (delivered) => {
      await eventually(() => expect(log.reads).toHaveLength(1));
      log.append();
      await eventually(() => expect(delivered).toEqual([1]));
      await eventually(() => expect(log.reads).toHaveLength(3));
      expect(log.reads).toEqual([
        { after: 0, fresh: true },
        { after: 0, fresh: false },
        { after: 1, fresh: false },
      ]);
    });
  });

  it('given a subscription caught up, when its idle poll ends the wait, then the read is fresh and finds what another process appended', async () => {
    const log = fakeLog();
    await subscribed(log, 30, async (delivered) => {
      await eventually(() => expect(log.reads).toHaveLength(1));
      log.appendUnannounced();
      await eventually(() => expect(delivered).toEqual([1]));
      expect(log.reads.find((read) => read.after === 0 && read !== log.reads[0])).toEqual({ after: 0, fresh: true });
    });
  });

  it('given a subscription without checkpoints caught up after a batch, when nothing is appended, then it waits for the idle poll without reading', async () => {
    const log = fakeLog();
    log.appendUnannounced();
    await subscribed(log, 60_000, async (delivered) => {
      await eventually(() => expect(delivered).toEqual([1]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(log.reads).toEqual([
        { after: 0, fresh: true },
        { after: 1, fresh: false },
      ]);
    });
  });

  it('given wake-ups more often than the idle poll, when another process appends, then a fresh read still finds it within about an idle poll', async () => {
    const log = fakeLog();
    const waking = setInterval(() => log.wakeOnly(), 10);
    try {
      await subscribed(log, 100, async (delivered) => {
        await eventually(() => expect(log.reads.length).toBeGreaterThan(1));
        log.appendUnannounced();
        await eventually(() => expect(delivered).toEqual([1]), { within: 1_000 });
      });
    } finally {
      clearInterval(waking);
    }
  });
});
