/** DI tokens for the injected clock and id generator (libs/domain/shared/time.ts). */
export const CLOCK = Symbol('Clock');
export const IDS = Symbol('IdGenerator');
