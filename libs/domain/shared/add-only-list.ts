/**
 * An immutable list that only ever grows at its end: a lane's finished attempts. Versions that extend one another
 * share one backing array, so appending to the newest costs O(1) instead of copying the whole history (a lane with
 * thousands of deployments copied them all on every event). Each version sees only its first `length` items;
 * appending to an older version copies what it sees first (as FirstWins does for maps).
 */
export class AddOnlyList<T> implements Iterable<T> {
  private constructor(
    private readonly items: T[],
    /** How many items the backing array holds: this version may extend it in place only when it is the newest. */
    private readonly shared: { length: number },
    readonly length: number,
  ) {}

  static empty<T>(): AddOnlyList<T> {
    return new AddOnlyList<T>([], { length: 0 }, 0);
  }

  static of<T>(...items: T[]): AddOnlyList<T> {
    return new AddOnlyList(items, { length: items.length }, items.length);
  }

  /** This list with `item` at its end. */
  append(item: T): AddOnlyList<T> {
    if (this.shared.length === this.length) {
      this.items.push(item);
      this.shared.length += 1;
      return new AddOnlyList(this.items, this.shared, this.length + 1);
    }
    const items = [...this.items.slice(0, this.length), item];
    return new AddOnlyList(items, { length: items.length }, items.length);
  }

  /** The item at `index`; negative indexes count from the end (-1: the last). */
  at(index: number): T | undefined {
    const i = index < 0 ? this.length + index : index;
    return i >= 0 && i < this.length ? this.items[i] : undefined;
  }

  find(predicate: (item: T) => boolean): T | undefined {
    const i = this.findIndex(predicate);
    return i < 0 ? undefined : this.items[i];
  }

  findIndex(predicate: (item: T) => boolean): number {
    for (let i = 0; i < this.length; i += 1) if (predicate(this.items[i]!)) return i;
    return -1;
  }

  /** Searches from the end: most lookups are of recent items. */
  findLast(predicate: (item: T) => boolean): T | undefined {
    for (let i = this.length - 1; i >= 0; i -= 1) if (predicate(this.items[i]!)) return this.items[i];
    return undefined;
  }

  some(predicate: (item: T) => boolean): boolean {
    return this.findIndex(predicate) >= 0;
  }

  /** A copy of the items from `start` (0 by default; negative counts from the end, as for arrays) to the end of this version. */
  slice(start = 0): T[] {
    return this.items.slice(start < 0 ? Math.max(0, this.length + start) : start, this.length);
  }

  /** Serialized as the array this version is. */
  toJSON(): T[] {
    return this.slice();
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i += 1) yield this.items[i]!;
  }
}
