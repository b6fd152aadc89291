/**
 * An immutable map whose keys are only ever added, the first value for a key winning: what a lane remembers per
 * version (when it was first seen, first completed, its commit). Versions that extend one another share one
 * backing Map, so adding to the newest costs O(1) instead of copying every key (a lane with thousands of versions
 * copied them on every event). Each entry remembers how many entries there were before it, so an older version
 * never sees what was added after it; adding to an older version copies what it sees first.
 */
export class FirstWins<V> {
  private constructor(
    private readonly entries: Map<string, { value: V; index: number }>,
    /** How many entries the backing Map holds: this version may extend it in place only when it is the newest. */
    private readonly shared: { size: number },
    readonly size: number,
  ) {}

  static empty<V>(): FirstWins<V> {
    return new FirstWins(new Map(), { size: 0 }, 0);
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.index < this.size ? entry.value : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** This map with `key` → `value`, unless it already has `key` (then this very map). */
  add(key: string, value: V): FirstWins<V> {
    if (this.has(key)) return this;
    if (this.shared.size === this.size) {
      this.entries.set(key, { value, index: this.size });
      this.shared.size += 1;
      return new FirstWins(this.entries, this.shared, this.size + 1);
    }
    const seen = new Map([...this.entries].filter(([, entry]) => entry.index < this.size));
    seen.set(key, { value, index: this.size });
    return new FirstWins(seen, { size: this.size + 1 }, this.size + 1);
  }
}
