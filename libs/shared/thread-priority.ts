import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread only. On Linux each thread has its
 * own nice value, set through its thread id, which /proc/thread-self names. Returns false where that cannot be done
 * (another OS, no /proc, not permitted): the thread then keeps the process's priority.
 */
export const lowerThreadPriority = (niceness: number): boolean => {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(threadId) || threadId <= 0) return false;
    setPriority(threadId, niceness);
    return true;
  } catch {
    return false;
  }
};
