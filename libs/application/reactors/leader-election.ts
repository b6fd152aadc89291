import type { Clock } from '../../domain/shared/time';
import type { LeaseFence, LeaseGrant, LeaseStore } from '../../event-store/lease.port';

export type LeaderElectionOptions = {
  lease: string;
  holder: string;
  ttlMs: number;
  clock: Clock;
  /** Starts the single-instance work; its checkpoint writes present `fence`. */
  onElected(fence: LeaseFence): Promise<void>;
  /** Stops that work: the lease was lost, could not be renewed in time, or the app is stopping. */
  onDemoted(): Promise<void>;
  log(message: string): void;
};

export type LeaderStatus = { role: 'leader' | 'standby'; holder: string; term: number | null; expiresAt: string | null };

/**
 * Keeps one instance of a group active: every replica tries to take (or renew) the lease every ttl/3; the
 * holder steps down when it cannot renew before the lease would expire, so two holders never overlap as long
 * as clocks agree within ttl/3. Standbys take over within one ttl of a holder's crash, at once after a clean stop.
 */
export class LeaderElection {
  private grant: LeaseGrant | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: LeaseStore,
    private readonly options: LeaderElectionOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), Math.max(50, Math.floor(this.options.ttlMs / 3)));
  }

  private async tick(): Promise<void> {
    const { lease, holder, ttlMs, clock } = this.options;
    if (this.stopped) return;
    try {
      const grant = await this.leases.acquireLease(lease, holder, ttlMs, clock.now());
      if (this.stopped) {
        if (grant && !this.grant) await this.leases.releaseLease(lease, holder);
        return;
      }
      if (grant && !this.grant) {
        this.grant = grant;
        this.options.log(`${holder} is now the active instance for ${lease} (term ${grant.term})`);
        await this.run(() => this.options.onElected({ lease, holder, term: grant.term }));
      } else if (grant) {
        this.grant = grant;
      } else if (this.grant) {
        await this.demote(`another instance holds ${lease}`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Cannot reach the store: keep working only while the lease we hold is certainly still ours.
      if (this.grant && clock.now().getTime() >= Date.parse(this.grant.expiresAt) - ttlMs / 3) await this.demote(`could not renew ${lease}: ${message}`);
      else this.options.log(`lease ${lease}: ${message}`);
    }
    this.schedule();
  }

  private async demote(reason: string): Promise<void> {
    this.grant = null;
    this.options.log(`${this.options.holder} stands by: ${reason}`);
    await this.run(() => this.options.onDemoted());
  }

  /** Election and demotion never overlap: starting and stopping the work happen in order. */
  private run(work: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(work, work);
    return this.transition;
  }

  status(): LeaderStatus {
    return { role: this.grant ? 'leader' : 'standby', holder: this.options.holder, term: this.grant?.term ?? null, expiresAt: this.grant?.expiresAt ?? null };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.grant) return;
    this.grant = null;
    await this.run(() => this.options.onDemoted());
    await this.leases.releaseLease(this.options.lease, this.options.holder).catch(() => undefined);
  }
}
