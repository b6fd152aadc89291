import { Worker } from 'node:worker_threads';
import { compiledScript } from '../../shared/compiled-script';
import type { Write } from '../overlay';
import type { Doc } from '../read-store.port';
import { tableWrites, type TableWrites } from './sqlite-rows';

export type RebuildBatch = { batch: number; tables: TableWrites[] };
/** The file, and whether its writes are fsync'd at WAL checkpoints (as the store's that starts the writer). */
export type RebuildWriterData = { file: string; fsync: boolean };
export type RebuildWriterReply = { batch: number; error?: string };

/** Batches (one per projection per read of events) a rebuild may have ahead of its writer thread. */
const MAX_IN_FLIGHT = 10;
/** Documents the rebuild wrote, kept parsed: a projection reads back what it wrote a few batches ago. */
const REMEMBERED = 2_000;
/** Ids known written, at most: beyond, unknown ids are looked up in SQLite too (slower, same answers). */
const MAX_KNOWN_IDS = 2_000_000;

/**
 * Writes a rebuild's batches on a thread of its own (rebuild-writer.worker), so projecting the next batch and
 * committing the last one overlap. Reads see every write, committed or not: documents written recently are
 * remembered here (always those of batches not committed yet), and the rest is committed, so SQLite has them.
 */
export class RebuildWriter {
  private readonly worker: Worker;
  /**
   * By table and id, the document last written (null: deleted), in two generations: when the newer one is full it
   * becomes the older one and the older one is forgotten — once every batch that wrote into it is committed.
   * (Evicting one entry at a time from a Map's front makes every later iteration skip the deleted entries.)
   */
  private newer = new Map<string, Doc | null>();
  private older = new Map<string, Doc | null>();
  /** The last batch that wrote into `older`. */
  private olderUpTo = 0;
  /**
   * By table, the id of every document written: the tables start empty, so any other id has no document. Null once
   * there were too many to keep (then SQLite answers for every id not at hand).
   */
  private ids: Map<string, Set<string>> | null = new Map();
  private knownIds = 0;
  private sent = 0;
  private committed = 0;
  private failure: Error | null = null;
  private readonly waiters: { batch: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly exited: Promise<void>;

  constructor(file: string, fsync: boolean) {
    this.worker = new Worker(compiledScript(__dirname, 'rebuild-writer.worker.js'), { workerData: { file, fsync } satisfies RebuildWriterData });
    this.worker.on('message', ({ batch, error }: RebuildWriterReply) => {
      if (error !== undefined) return this.fail(new Error(`rebuild write failed: ${error}`));
      this.committed = batch;
      this.settle();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (this.committed < this.sent) this.fail(new Error(`the rebuild writer thread exited (${code}) with batches unwritten`));
        resolve();
      }),
    );
  }

  /**
   * The document as this rebuild last wrote it; null when it has none (never written, or deleted); undefined when
   * written but no longer at hand: SQLite has it.
   */
  recall(table: string, id: string): Doc | null | undefined {
    const key = `${table}\u0000${id}`;
    const doc = this.newer.get(key);
    if (doc !== undefined) return doc;
    const older = this.older.get(key);
    if (older !== undefined) return older;
    if (!this.ids) return undefined;
    return this.ids.get(table)?.has(id) ? undefined : null;
  }

  /** True once a batch failed: the thread writes nothing more. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** A rebuild of these (emptied, recreated) tables begins: what an earlier rebuild wrote to them is gone. */
  forget(tables: readonly string[]): void {
    const prefixes = tables.map((table) => `${table}\u0000`);
    for (const generation of [this.newer, this.older]) for (const key of generation.keys()) if (prefixes.some((p) => key.startsWith(p))) generation.delete(key);
    for (const table of tables) {
      this.knownIds -= this.ids?.get(table)?.size ?? 0;
      this.ids?.delete(table);
    }
  }

  /**
   * Hands a unit of work's writes to the thread; waits only while too many batches are ahead of it. Documents of
   * append-only collections are never read back, so they are not kept.
   */
  async write(
    writes: Map<string, Map<string, Write>>,
    tableOf: (collection: string) => string,
    fieldsOf: (table: string) => readonly string[],
    appendOnly: (collection: string) => boolean,
  ): Promise<void> {
    if (this.failure) throw this.failure;
    // Rows first: a document that cannot be serialized fails this unit of work before anything is sent or kept.
    const tables = [...writes].map(([collection, byId]) => tableWrites(tableOf(collection), fieldsOf(tableOf(collection)), byId));
    const batch = ++this.sent;
    for (const [collection, byId] of writes) {
      if (appendOnly(collection)) continue;
      const table = tableOf(collection);
      for (const [id, write] of byId) {
        this.know(table, id);
        this.remember(`${table}\u0000${id}`, 'doc' in write ? write.doc : null, batch);
      }
    }
    this.worker.postMessage({ batch, tables } satisfies RebuildBatch);
    if (batch - this.committed > MAX_IN_FLIGHT) await this.until(batch - MAX_IN_FLIGHT);
  }

  /** Resolves once every batch written so far is committed. */
  flushed(): Promise<void> {
    return this.until(this.sent);
  }

  /** Waits until every batch is committed, then ends the thread. */
  async close(): Promise<void> {
    try {
      await this.flushed();
    } finally {
      this.worker.postMessage('close');
      await this.exited;
    }
  }

  /** Ends the thread at once: what it has not committed is lost (the rebuild is abandoned). */
  async abort(): Promise<void> {
    await this.worker.terminate();
  }

  private know(table: string, id: string): void {
    if (!this.ids) return;
    const ids = this.ids.get(table) ?? this.ids.set(table, new Set()).get(table)!;
    if (ids.has(id)) return;
    ids.add(id);
    this.knownIds += 1;
    if (this.knownIds > MAX_KNOWN_IDS) this.ids = null;
  }

  private remember(key: string, doc: Doc | null, batch: number): void {
    this.newer.set(key, doc);
    if (this.newer.size < REMEMBERED || this.olderUpTo > this.committed) return;
    this.older = this.newer;
    this.newer = new Map();
    this.olderUpTo = batch;
  }

  private until(batch: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.committed >= batch) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ batch, resolve, reject }));
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i]!;
      if (waiter.batch > this.committed) continue;
      this.waiters.splice(i, 1);
      waiter.resolve();
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}
