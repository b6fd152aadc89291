import type { RecordedEvent } from '../event-store.port';

/**
 * The events this process appended most recently, in position order, as readAll returns them (parsed, upcast,
 * frozen). Every subscription (projections, reactors) reads each new event right after its append: serving those
 * reads from memory saves one SQLite read and one JSON parse per event per subscriber.
 *
 * Only a contiguous run of positions is kept. Positions are dense (rowids, never deleted), so a gap means another
 * process wrote in between: the run restarts, and reads before it go to SQLite, which has every event.
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity = 10_000) {}

  add(appended: readonly RecordedEvent[]): void {
    if (appended.length === 0) return;
    const last = this.events[this.events.length - 1];
    if (last === undefined || appended[0]!.position !== last.position + 1) this.events = [];
    for (const event of appended) this.events.push(deepFreeze(event));
    // Trimmed in chunks so the copy is amortised over many appends.
    if (this.events.length > this.capacity * 1.5) this.events = this.events.slice(-this.capacity);
  }

  /** The next `maxCount` events after `afterPosition`, or null when they are not (all) here: read SQLite. */
  after(afterPosition: number, maxCount: number): RecordedEvent[] | null {
    const first = this.events[0];
    if (first === undefined || afterPosition + 1 < first.position) return null;
    const start = afterPosition + 1 - first.position;
    // At or past the end: another process may have appended since, so only SQLite knows.
    if (start >= this.events.length) return null;
    return this.events.slice(start, start + maxCount);
  }

  /** Forgets everything (events were written by another path, e.g. an import). */
  clear(): void {
    this.events = [];
  }
}

/** Events are shared by every subscriber: freezing them makes a handler that mutates one fail loudly. */
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};
