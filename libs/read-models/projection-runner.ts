import type { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { Projection } from './projection';
import type { ReadStore } from './read-store.port';

export type ProjectionStatus = { name: string; position: number; lag: number; error: string | null };

type Waiter = { position: number; resolve: (caughtUp: boolean) => void };

/**
 * Runs each projection from its own checkpoint on its own catch-up subscription. A batch of events and the
 * new checkpoint are committed together, so a crash replays at most an uncommitted batch, never half of one.
 */
export class ProjectionRunner {
  private readonly positions = new Map<string, number>();
  private readonly errors = new Map<string, string>();
  private readonly subscriptions = new Map<string, Subscription>();
  private waiters: Waiter[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    readonly projections: readonly Projection[],
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    for (const projection of this.projections) {
      const from = await this.readStore.prepare(projection);
      this.positions.set(projection.name, from);
      this.follow(projection, from);
    }
  }

  private follow(projection: Projection, from: number): void {
    const handles = new Set<string>(projection.handles);
    this.subscriptions.set(
      projection.name,
      this.store.subscribeToAll({
        fromPosition: from,
        handler: (events) => this.project(projection, handles, events),
        onError: (error, attempt) => {
          const message = error instanceof Error ? error.message : String(error);
          this.errors.set(projection.name, message);
          this.log(`projection ${projection.name} failed (attempt ${attempt}), retrying: ${message}`);
        },
      }),
    );
  }

  /**
   * Replays the whole store into fresh collections while the live ones keep serving, then pauses the live
   * subscription for the last few events, swaps atomically and resumes from the rebuilt position.
   */
  async rebuild(name: string, onProgress: (progress: { position: number; head: number }) => void = () => undefined): Promise<{ events: number; position: number }> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`Unknown projection ${name}`);
    const handles = new Set<string>(projection.handles);
    const target = await this.readStore.beginRebuild(projection);
    let position = 0;
    let events = 0;
    const step = async (): Promise<boolean> => {
      const batch = await this.store.readAll(position, 2_000);
      if (batch.length === 0) return false;
      const last = batch[batch.length - 1]!.position;
      await target.commit(last, async (tx) => {
        for (const event of batch) if (handles.has(event.type)) await projection.apply(tx, event);
      });
      position = last;
      events += batch.length;
      onProgress({ position, head: await this.store.headPosition() });
      return true;
    };
    let paused = false;
    try {
      while (await step());
      paused = true;
      await this.subscriptions.get(name)?.stop();
      while (await step());
      await target.swap();
      this.positions.set(name, position);
      this.follow(projection, position);
    } catch (error) {
      await target.abort();
      if (paused) {
        const live = (await this.readStore.checkpoint(name)) ?? 0;
        this.positions.set(name, live);
        this.follow(projection, live);
      }
      throw error;
    }
    this.releaseWaiters();
    return { events, position };
  }

  private async project(projection: Projection, handles: ReadonlySet<string>, events: readonly RecordedEvent[]): Promise<void> {
    const from = this.positions.get(projection.name) ?? 0;
    const fresh = events.filter((event) => event.position > from);
    if (fresh.length === 0) return;
    const to = fresh[fresh.length - 1]!.position;
    const committed = await this.readStore.commit(projection.name, { from, to }, async (tx) => {
      for (const event of fresh) if (handles.has(event.type)) await projection.apply(tx, event);
    });
    // Another instance projected past `from` first: adopt its checkpoint; events up to it are already applied.
    this.positions.set(projection.name, committed ? to : ((await this.readStore.checkpoint(projection.name)) ?? from));
    this.errors.delete(projection.name);
    this.releaseWaiters();
  }

  private lowestPosition(): number {
    return Math.min(...this.positions.values());
  }

  private releaseWaiters(): void {
    const lowest = this.lowestPosition();
    const [due, waiting] = [this.waiters.filter((w) => w.position <= lowest), this.waiters.filter((w) => w.position > lowest)];
    this.waiters = waiting;
    for (const waiter of due) waiter.resolve(true);
  }

  /**
   * Resolves true once every projection has applied `position`, or false after `timeoutMs`.
   * Queries use it for read-your-writes: they wait for the head position they observed.
   */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.positions.size === 0 || this.lowestPosition() >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve: (caughtUp) => {
          clearTimeout(timer);
          resolve(caughtUp);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    return this.projections.map(({ name }) => {
      const position = this.positions.get(name) ?? 0;
      return { name, position, lag: Math.max(0, head - position), error: this.errors.get(name) ?? null };
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }
}
