/** DI tokens for the injected clock and id generator (libs/domain/shared/time.ts). */
export const CLOCK = Symbol('Clock');
export const IDS = Symbol('IdGenerator');
/** How long (ms) a reader waits for the read models to include what was acknowledged (SHIPLOG_CONSISTENCY_TIMEOUT_MS). */
export const CONSISTENCY_TIMEOUT_MS = Symbol('ConsistencyTimeoutMs');
