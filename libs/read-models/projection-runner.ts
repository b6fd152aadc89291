import type { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { Projection } from './projection';
import { lowestOf, PositionWaiters, statusesAt, type ProjectionControl, type ProjectionStatus, type RebuildProgress } from './projection-control';
import type { ReadStore, RebuildTarget } from './read-store.port';

/**
 * Under load, events are applied at most this often, together: a read-model commit writes each page it touches once
 * for all of them, not once per append (`npm run bench:ab` measured the gain). It adds at most this much to the
 * projection lag; a quiet store's event is applied at once.
 */
const LIVE_BATCH_INTERVAL_MS = 10;

/** Where each projection stands, as a worker thread reports it to the server's thread. */
export type AppliedPositions = { positions: Record<string, number>; errors: Record<string, string> };

/**
 * Runs each projection from its own checkpoint on its own catch-up subscription. A batch of events and the
 * new checkpoint are committed together, so a crash replays at most an uncommitted batch, never half of one.
 */
export class ProjectionRunner implements ProjectionControl {
  /** What each projection has applied (in memory) … */
  private readonly positions = new Map<string, number>();
  /** … and its checkpoint as stored, which may lag behind over batches of events it does not handle. */
  private readonly stored = new Map<string, number>();
  private readonly errors = new Map<string, string>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly waiters = new PositionWaiters(() => lowestOf(this.positions));
  readonly names: readonly string[];

  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    readonly projections: readonly Projection[],
    private readonly log: (message: string) => void = () => undefined,
    /** Called whenever a position or an error changed (a worker thread reports them to the server's thread). */
    private readonly onChange: (applied: AppliedPositions) => void = () => undefined,
  ) {
    this.names = projections.map((p) => p.name);
  }

  async start(): Promise<void> {
    for (const projection of this.projections) {
      const checkpoint = await this.readStore.prepare(projection);
      this.positions.set(projection.name, checkpoint);
      this.stored.set(projection.name, checkpoint);
    }
    this.changed();
    this.follow(this.projections);
  }

  /**
   * One subscription feeds every projection it is given (events are read and decoded once, not once per
   * projection); it starts at the lowest of their checkpoints, and each skips what it has already applied.
   */
  private follow(projections: readonly Projection[]): void {
    if (projections.length === 0) return;
    const from = Math.min(...projections.map((p) => this.positions.get(p.name) ?? 0));
    const handled = projections.map((projection) => ({ projection, handles: new Set<string>(projection.handles) }));
    const subscription = this.store.subscribeToAll({
      fromPosition: from,
      batchSize: 2_000,
      minBatchIntervalMs: LIVE_BATCH_INTERVAL_MS,
      handler: async (events) => {
        for (const { projection, handles } of handled) {
          try {
            await this.project(projection, handles, events);
          } catch (error) {
            this.errors.set(projection.name, error instanceof Error ? error.message : String(error));
            this.changed();
            throw error;
          }
        }
      },
      onError: (error, attempt) => this.log(`projections failed (attempt ${attempt}), retrying: ${error instanceof Error ? error.message : String(error)}`),
    });
    for (const projection of projections) this.subscriptions.set(projection.name, subscription);
  }

  private async stopFollowing(names: readonly string[]): Promise<readonly Projection[]> {
    const affected = new Set(names.map((name) => this.subscriptions.get(name)).filter((s): s is Subscription => s !== undefined));
    const others = this.projections.filter((p) => !names.includes(p.name) && affected.has(this.subscriptions.get(p.name)!));
    await Promise.all([...affected].map((s) => s.stop()));
    for (const projection of this.projections) if (affected.has(this.subscriptions.get(projection.name)!)) this.subscriptions.delete(projection.name);
    return others;
  }

  /** Rebuilds one projection; see rebuildMany. */
  rebuild(name: string, onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<{ events: number; position: number }> {
    return this.rebuildMany([name], onProgress);
  }

  /**
   * Replays the whole store once into fresh collections of every named projection while the live ones keep
   * serving, then pauses their live subscription for the last few events, swaps atomically and resumes from
   * the rebuilt position.
   */
  async rebuildMany(names: readonly string[], onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<{ events: number; position: number }> {
    const chosen = names.map((name) => {
      const projection = this.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`Unknown projection ${name}`);
      return projection;
    });
    const targets: { projection: Projection; handles: ReadonlySet<string>; target: RebuildTarget }[] = [];
    for (const projection of chosen) targets.push({ projection, handles: new Set<string>(projection.handles), target: await this.readStore.beginRebuild(projection) });
    let position = 0;
    let events = 0;
    const step = async (): Promise<boolean> => {
      const batch = await this.store.readAll(position, 2_000);
      if (batch.length === 0) return false;
      const last = batch[batch.length - 1]!.position;
      for (const { projection, handles, target } of targets) {
        await target.commit(last, async (tx) => {
          for (const event of batch) if (handles.has(event.type)) await projection.apply(tx, event);
        });
      }
      position = last;
      events += batch.length;
      onProgress({ position, head: await this.store.headPosition() });
      return true;
    };
    let paused: readonly Projection[] | null = null;
    try {
      while (await step());
      paused = await this.stopFollowing(names);
      while (await step());
      for (const { target } of targets) await target.swap();
      for (const projection of chosen) {
        this.positions.set(projection.name, position);
        this.stored.set(projection.name, position);
      }
      this.follow([...chosen, ...paused]);
    } catch (error) {
      for (const { target } of targets) await target.abort();
      if (paused) {
        for (const projection of chosen) {
          const checkpoint = (await this.readStore.checkpoint(projection.name)) ?? 0;
          this.positions.set(projection.name, checkpoint);
          this.stored.set(projection.name, checkpoint);
        }
        this.follow([...chosen, ...paused]);
      }
      throw error;
    }
    this.releaseWaiters();
    return { events, position };
  }

  /**
   * Applies the events of a batch the projection has not applied yet. A batch with none of its event types only
   * moves the position in memory (the stored checkpoint follows with the next write: a restart re-reads those
   * events, which change nothing). When another instance moved the stored checkpoint first, the batch is retried
   * from there: what it applied is skipped, what it has not is applied here.
   */
  private async project(projection: Projection, handles: ReadonlySet<string>, events: readonly RecordedEvent[]): Promise<void> {
    const name = projection.name;
    for (;;) {
      const applied = this.positions.get(name) ?? 0;
      const fresh = events.filter((event) => event.position > applied);
      if (fresh.length === 0) break;
      const to = fresh[fresh.length - 1]!.position;
      const relevant = fresh.filter((event) => handles.has(event.type));
      if (relevant.length === 0) {
        this.positions.set(name, to);
        break;
      }
      const from = this.stored.get(name) ?? applied;
      const committed = await this.readStore.commit(name, { from, to }, async (tx) => {
        for (const event of relevant) await projection.apply(tx, event);
      });
      if (committed) {
        this.stored.set(name, to);
        this.positions.set(name, to);
        break;
      }
      const checkpoint = (await this.readStore.checkpoint(name)) ?? from;
      this.stored.set(name, checkpoint);
      this.positions.set(name, checkpoint);
    }
    this.errors.delete(name);
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    this.waiters.release();
    this.changed();
  }

  private changed(): void {
    this.onChange({ positions: Object.fromEntries(this.positions), errors: Object.fromEntries(this.errors) });
  }

  /** Queries use it for read-your-writes: they wait for the head position they observed. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(position, timeoutMs);
  }

  async status(): Promise<ProjectionStatus[]> {
    return statusesAt(this.names, await this.store.headPosition(), this.positions, (name) => this.errors.get(name));
  }

  async stop(): Promise<void> {
    await Promise.all([...new Set(this.subscriptions.values())].map((s) => s.stop()));
    this.subscriptions.clear();
    this.waiters.abandon();
  }
}
