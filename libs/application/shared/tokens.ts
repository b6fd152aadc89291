/** DI tokens for the injected clock and id generator (libs/domain/shared/time.ts). */
export const CLOCK = Symbol('Clock');
export const IDS = Symbol('IdGenerator');
/**
 * Waits (bounded by SHIPLOG_CONSISTENCY_TIMEOUT_MS) until the read models include every event acknowledged so far:
 * for commands that consult a read model. False when they did not catch up in time.
 */
export const READ_MODELS_CAUGHT_UP = Symbol('ReadModelsCaughtUp');
export type ReadModelsCaughtUp = () => Promise<boolean>;
