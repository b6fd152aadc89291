import { WrongExpectedRevision } from '../../event-store/errors';

/**
 * Re-runs load → decide → append when another writer got to the stream first. Each attempt decides again
 * on fresh state, so nothing is appended twice; after `attempts` conflicts the last one is thrown. `work` is told
 * which attempt it is (1 first).
 */
export const retryOnConflict = async <T>(work: (attempt: number) => Promise<T>, attempts = 5): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) || attempt >= attempts) throw error;
    }
  }
};
