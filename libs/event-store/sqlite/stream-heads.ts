/**
 * The last revision of streams as this connection last saw them, valid while no other connection has committed to
 * the file (SQLite's `PRAGMA data_version` moves only then): reading a stream from past its head, as a command does
 * from its cached state, then asks SQLite nothing.
 *
 * data_version is asked once per turn of the event loop (a statement costs about as much as the read it saves): a
 * commit by another process within that turn is seen on the next. A command that decided on a head read meanwhile
 * fails its expected-revision check, the head is forgotten, and its retry reads again.
 */
export class StreamHeads {
  private heads = new Map<string, number>();
  private version: number | null = null;
  private checkedThisTurn = false;

  constructor(
    /** The connection's data_version: changes whenever another connection commits. */
    private readonly dataVersion: () => number,
    private readonly capacity = 100_000,
  ) {}

  /** The stream's head, if known and nothing else wrote the file since. */
  get(stream: string): number | undefined {
    if (!this.checkedThisTurn) {
      this.checkedThisTurn = true;
      setImmediate(() => (this.checkedThisTurn = false));
      const version = this.dataVersion();
      if (version !== this.version) {
        this.heads.clear();
        this.version = version;
      }
    }
    return this.heads.get(stream);
  }

  /** The head as just read or written on this connection. */
  set(stream: string, revision: number): void {
    if (this.heads.size >= this.capacity) this.heads.clear();
    this.heads.set(stream, revision);
  }

  /** Its head is not what was thought (an append expecting it failed): read it again. */
  forget(stream: string): void {
    this.heads.delete(stream);
  }

  clear(): void {
    this.heads.clear();
  }
}
