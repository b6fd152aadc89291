import { manualClock } from '../testing/clock';
import { deterministicEventId, uuidv7Generator } from './ids';

describe('ids', () => {
  it('generates UUIDv7 ids that sort by creation time, even within one millisecond', () => {
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    const ids = uuidv7Generator(clock);
    const sameMs = Array.from({ length: 100 }, () => ids.next());
    clock.advance(1);
    const later = ids.next();
    const all = [...sameMs, later];
    expect([...all].sort()).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    for (const id of all) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(later.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2026-11-23T10:00:00.001Z'));
  });

  it('maps an idempotency key and index to the same id every time, and different ones otherwise', () => {
    expect(deterministicEventId('key-1', 0)).toBe(deterministicEventId('key-1', 0));
    expect(deterministicEventId('key-1', 0)).not.toBe(deterministicEventId('key-1', 1));
    expect(deterministicEventId('key-1', 0)).not.toBe(deterministicEventId('key-2', 0));
    expect(deterministicEventId('k', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
