import { DomainError } from '../../domain/shared/domain-error';
import type { Clock } from '../../domain/shared/time';
import type { GitOpsService } from './gitops.service';

const WATCHER = { actor: { kind: 'system' as const, id: 'system:gitops', name: 'gitops' } };

/**
 * Seed 004 `watch()`: polls each source's branch every `interval_seconds` and syncs when it moved past the last
 * synced (or invalid) commit, or when that sync left lanes behind (in flight, refused). Runs on the active replica only, like the other reactors; what it did is in the
 * `gitops-{id}` streams (`gitops.synced` with the commit sha, `gitops.sync_failed`).
 */
export class GitOpsWatcher {
  private readonly polledAt = new Map<string, number>();
  private handle: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly gitops: GitOpsService,
    private readonly clock: Clock,
    private readonly options: { tickMs: number },
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    if (this.handle) return;
    this.handle = setInterval(() => void this.tick(), this.options.tickMs);
    this.handle.unref();
    void this.tick();
  }

  stop(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
  }

  /** One round: every source whose interval has passed is polled, one after another. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = this.clock.now().getTime();
      for (const source of await this.gitops.list()) {
        const last = this.polledAt.get(source.source_id);
        if (last !== undefined && now - last < source.interval_seconds * 1000) continue;
        this.polledAt.set(source.source_id, now);
        await this.poll(source.source_id).catch((error: unknown) => this.log(`gitops ${source.source_id}: ${error instanceof Error ? error.message : String(error)}`));
      }
    } finally {
      this.busy = false;
    }
  }

  private async poll(sourceId: string): Promise<void> {
    const source = await this.gitops.view(sourceId);
    let head: string;
    try {
      head = await this.gitops.headOf(sourceId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.log(`gitops ${sourceId}: ${error.detail}`); // unreachable for now: the next round tries again
    }
    // The same commit again only while its last sync left lanes behind (in flight then, or a deploy refused).
    if (head === source.last_commit && !source.unsettled) return;
    await this.gitops.sync(sourceId, 'watch', { ...WATCHER, correlationId: `gitops-${sourceId}-${head}` }).catch((error: unknown) => {
      if (!(error instanceof DomainError)) throw error; // an invalid manifest is recorded as gitops.sync_failed
    });
  }
}
