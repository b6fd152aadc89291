/** Counts events per key in fixed windows: the rate limits per token and address, and failed authentications. */
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

  /**
   * Counts one request for `key` if it is under the limit: what a rate limit needs in one lookup. `remaining` is
   * after this request; `resetSeconds` is when the window ends.
   */
  take(key: string): { allowed: boolean; remaining: number; resetSeconds: number } {
    const entry = this.current(key);
    const resetSeconds = Math.max(1, Math.ceil((entry.windowStart + this.windowMs - this.now()) / 1000));
    if (entry.count >= this.limit) return { allowed: false, remaining: 0, resetSeconds };
    this.hitEntry(key, entry);
    return { allowed: true, remaining: this.limit - entry.count, resetSeconds };
  }

  hit(key: string): void {
    this.hitEntry(key, this.current(key));
  }

  private hitEntry(key: string, entry: { windowStart: number; count: number }): void {
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
