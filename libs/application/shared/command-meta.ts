import type { Actor } from '../../event-store/event-store.port';

/** What every command carries besides its data: who, why-chain, and an optional client idempotency key. */
export type CommandMeta = {
  actor: Actor;
  correlationId: string;
  causationId?: string;
  idempotencyKey?: string;
};
