/** What each projection has applied, and why it is stuck if it is. */
export type ProjectionStatus = { name: string; position: number; lag: number; error: string | null };

export type RebuildProgress = { position: number; head: number };

/**
 * The projections as the server drives them, wherever they run: in this thread (ProjectionRunner) or in a
 * worker thread of their own (the embedded default, so they do not compete with requests for the event loop).
 */
export interface ProjectionControl {
  readonly names: readonly string[];
  start(): Promise<void>;
  /** Replays the whole store into fresh collections of the named projections, then swaps them in. */
  rebuildMany(names: readonly string[], onProgress?: (progress: RebuildProgress) => void): Promise<{ events: number; position: number }>;
  /** Resolves true once every projection has applied `position`, or false after `timeoutMs` (read-your-writes). */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  status(): Promise<ProjectionStatus[]>;
  stop(): Promise<void>;
}

export const PROJECTION_CONTROL = Symbol('PROJECTION_CONTROL');

type Waiter = { position: number; resolve: (caughtUp: boolean) => void };

/** Callers waiting until the slowest projection reaches a position; `release` is called whenever positions move. */
export class PositionWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly lowest: () => number | null) {}

  wait(position: number, timeoutMs: number): Promise<boolean> {
    const lowest = this.lowest();
    if (lowest === null || lowest >= position) return Promise.resolve(true);
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

  release(): void {
    const lowest = this.lowest();
    if (lowest === null) return;
    const due = this.waiters.filter((w) => w.position <= lowest);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > lowest);
    for (const waiter of due) waiter.resolve(true);
  }

  /** Everyone still waiting is told the projections did not catch up (shutdown). */
  abandon(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }
}

/** Each projection's position and lag behind `head`, wherever it runs. */
export const statusesAt = (names: readonly string[], head: number, positions: ReadonlyMap<string, number>, errorOf: (name: string) => string | undefined): ProjectionStatus[] =>
  names.map((name) => {
    const position = positions.get(name) ?? 0;
    return { name, position, lag: Math.max(0, head - position), error: errorOf(name) ?? null };
  });

/** Lowest applied position, or null before any projection reported one (nothing to wait for). */
export const lowestOf = (positions: ReadonlyMap<string, number>): number | null => (positions.size === 0 ? null : Math.min(...positions.values()));
