import { WrongExpectedRevision } from '../../event-store/errors';

/**
 * Re-runs load → decide → append when another writer got to the stream first. Each attempt decides again
 * on fresh state, so nothing is appended twice; after `attempts` conflicts the last one is thrown.
 */
export const retryOnConflict = async <T>(work: () => Promise<T>, attempts = 5): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) || attempt >= attempts) throw error;
    }
  }
};
