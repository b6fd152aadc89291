/** Counts events per key in fixed windows; used to slow down repeated failed authentication from one address. */
export class RateWindow {
  private readonly counts = new Map<string, { windowStart: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is under the limit. */
  retryAfter(key: string): number {
    const entry = this.current(key);
    return entry.count >= this.limit ? Math.ceil((entry.windowStart + this.windowMs - this.now()) / 1000) : 0;
  }

  hit(key: string): void {
    const entry = this.current(key);
    entry.count += 1;
    this.counts.set(key, entry);
    if (this.counts.size > 100_000) this.counts.clear(); // bounded memory under a spray of addresses
  }

  private current(key: string) {
    const entry = this.counts.get(key);
    const now = this.now();
    return entry && now - entry.windowStart < this.windowMs ? entry : { windowStart: now, count: 0 };
  }
}
