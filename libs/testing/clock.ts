import type { Clock, IdGenerator } from '../domain/shared/time';

export type ManualClock = Clock & { set(at: Date | string): void; advance(ms: number): void };

/** A clock that moves only when told to. */
export const manualClock = (start: Date | string): ManualClock => {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => void (current = new Date(at)),
    advance: (ms) => void (current = new Date(current.getTime() + ms)),
  };
};

/** Ids `prefix-1`, `prefix-2`, … in order. */
export const sequentialIds = (prefix: string): IdGenerator => {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
};
