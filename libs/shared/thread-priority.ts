import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The highest nice value (the lowest priority) there is. */
const LOWEST_PRIORITY = 19;

/**
 * Lowers the scheduling priority of the calling thread only, by `steps` nice values below its own (at most to 19).
 * On Linux each thread has its own nice value, set through its thread id, which /proc/thread-self names. Returns
 * false where that cannot be done (another OS, no /proc, not permitted): the thread then keeps its priority.
 */
export const lowerThreadPriority = (steps: number): boolean => {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(threadId) || threadId <= 0) return false;
    setPriority(threadId, Math.min(LOWEST_PRIORITY, getPriority(threadId) + steps));
    return true;
  } catch {
    return false;
  }
};
