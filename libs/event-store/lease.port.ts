/**
 * A named lease in the event store, for work that must have one active instance at a time (reactors, timers,
 * deliveries) when several app replicas share one store. Each change of holder increments `term`: the fencing
 * token a holder presents when it writes a checkpoint, so a paused ex-holder cannot move one after losing it.
 */
export type LeaseGrant = { name: string; holder: string; term: number; expiresAt: string };

export interface LeaseStore {
  /** Takes the lease when it is free or expired, renews it when `holder` has it; null while another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseGrant | null>;
  /** Gives the lease up early (a clean shutdown), so a standby takes over without waiting for the expiry. */
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Presented with checkpoint writes of a leased subscription: refused unless this holder still has this term. */
export type LeaseFence = { lease: string; holder: string; term: number };

export class LeaseLost extends Error {
  constructor(readonly fence: LeaseFence) {
    super(`Lease ${fence.lease} (term ${fence.term}) is no longer held by ${fence.holder}`);
    this.name = 'LeaseLost';
  }
}
