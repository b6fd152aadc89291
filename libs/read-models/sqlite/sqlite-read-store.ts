import Database from 'better-sqlite3';
import { overlayTx } from '../overlay';
import { RebuildWriter } from './rebuild-writer';
import { fieldColumn, tableWrites, writeTables } from './sqlite-rows';
import { discardIfTorn, linuxBootId, markUnsynced } from './unsynced-writes';
import type { CheckpointMove, CollectionDef, Condition, Doc, FindQuery, ProjectionIdentity, ReadStore, ReadTx, RebuildTarget, Scalar } from '../read-store.port';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const checked = (kind: string, name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid ${kind} name for the read store: ${name}`);
  return name;
};

const table = (collection: string) => `rm_${checked('collection', collection)}`;
/**
 * Every field an index of the collection covers (besides `id`) is also stored in a column of its own, written from
 * the document in JavaScript: indexes on plain columns build and update without parsing JSON. Other fields are
 * read from the JSON document.
 */
const indexedFields = (indexes: CollectionDef['indexes']): string[] => [...new Set(indexes.flat().filter((f) => f !== 'id'))].map((f) => checked('field', f));
/** How a field reads in SQL on a table whose column fields are `columns`. */
type ColumnOf = (field: string) => string;
const columnOf =
  (columns: readonly string[]): ColumnOf =>
  (field) =>
    field === 'id' ? 'id' : columns.includes(field) ? fieldColumn(field) : `json_extract(doc, '$.${checked('field', field)}')`;
const bindable = (value: Scalar): string | number | null => (typeof value === 'boolean' ? Number(value) : value);
const tableSql = (name: string, fields: readonly string[]) => `CREATE TABLE IF NOT EXISTS ${name} (id TEXT PRIMARY KEY, doc TEXT NOT NULL${fields.map((f) => `, ${fieldColumn(f)}`).join('')})`;

const isRange = (c: Condition): c is { gt?: Scalar; gte?: Scalar; lt?: Scalar; lte?: Scalar } =>
  c !== null && typeof c === 'object' && !('in' in c);

const conditionSql = (column: ColumnOf, field: string, condition: Condition, params: (string | number | null)[]): string => {
  const col = column(field);
  if (condition === null) return `${col} IS NULL`;
  if (typeof condition !== 'object') {
    params.push(bindable(condition));
    return `${col} = ?`;
  }
  if ('in' in condition) {
    if (condition.in.length === 0) return '0';
    params.push(...condition.in.map(bindable));
    return `${col} IN (${condition.in.map(() => '?').join(', ')})`;
  }
  if (!isRange(condition)) return '1';
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  const parts = (Object.keys(ops) as (keyof typeof ops)[])
    .filter((op) => condition[op] !== undefined)
    .map((op) => {
      params.push(bindable(condition[op] as Scalar));
      return `${col} ${ops[op]} ?`;
    });
  return parts.length > 0 ? parts.join(' AND ') : '1';
};

/** (a, b) after (va, vb) ⇔ a beyond va, or a = va and b beyond vb — "beyond" follows each sort direction. */
const keysetSql = (column: ColumnOf, orderBy: NonNullable<FindQuery['orderBy']>, after: readonly Scalar[], params: (string | number | null)[]): string =>
  orderBy
    .map(([field, direction], i) => {
      const equalities = orderBy.slice(0, i).map(([f], j) => {
        params.push(bindable(after[j] ?? null));
        return `${column(f)} = ?`;
      });
      params.push(bindable(after[i] ?? null));
      return `(${[...equalities, `${column(field)} ${direction === 'desc' ? '<' : '>'} ?`].join(' AND ')})`;
    })
    .join(' OR ');

export type SqliteReadStoreOptions = {
  /**
   * True (default): WAL checkpoints fsync (synchronous=NORMAL). False: nothing is fsync'd until close
   * (synchronous=OFF), and after an OS crash or power loss the file is rebuilt from the events (unsynced-writes.ts).
   * Linux only: elsewhere the store fsyncs whatever this says.
   */
  fsync?: boolean;
  /** The boot the unsynced writes are tied to: the kernel's by default (tests pass their own). */
  bootId?: string | null;
  /**
   * True (default): judge the markers of unsynced writers before opening (and delete a torn file). A connection opened
   * while others may have the file open (the projection worker, restarted or not) passes false: the server judged them
   * once, before its first connection.
   */
  judgeMarkers?: boolean;
};

/** Read models on their own SQLite file, one table of JSON documents per collection. */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  /** True when the file was deleted at open: the machine had gone down while it was written unsynced. */
  readonly discardedTornFile: boolean;
  /** Whether this connection's writes are fsync'd at WAL checkpoints (see SqliteReadStoreOptions.fsync). */
  readonly fsyncs: boolean;
  private readonly syncUnsyncedWrites: (() => void) | null;
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * What the projections' units of work last read or committed, parsed, by table and id (null: no such document):
   * a projection reads back the documents it just wrote, so this saves a SELECT and a JSON parse per event. Valid
   * because every write goes through a unit of work whose checkpoint compare-and-set would fail had another process
   * written since; on a failed claim, an error, a reset or a rebuild swap it is emptied.
   */
  private readonly known = new Map<string, Doc | null>();
  private static readonly KNOWN_CAPACITY = 20_000;
  /**
   * Collections whose documents are never read back (appendOnly): what they are sent is not kept in `known`, where a
   * history entry per event pushed out the documents projections do read, and cost Map work on every commit.
   */
  private readonly appendOnly = new Set<string>();
  /** Per table: the fields stored in columns of their own. */
  private readonly columns = new Map<string, readonly string[]>();

  /** The writer thread of the rebuilds in progress (one for all of them), and how many use it. */
  private rebuilding: { writer: RebuildWriter; targets: number } | null = null;

  constructor(
    private readonly file: string,
    options: SqliteReadStoreOptions = {},
  ) {
    const bootId = options.bootId === undefined ? linuxBootId() : options.bootId;
    this.discardedTornFile = options.judgeMarkers !== false && discardIfTorn(file, bootId);
    this.syncUnsyncedWrites = options.fsync === false && bootId !== null ? markUnsynced(file, bootId) : null;
    this.fsyncs = this.syncUnsyncedWrites === null;
    this.db = this.openDatabase(file);
  }

  /** The connection, set up; if that fails, this connection's marker goes (nothing was written unsynced). */
  private openDatabase(file: string): Database.Database {
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      // Read models can always be rebuilt from the event store, so they need no fsync per commit (nor at all, unsynced).
      db.pragma(`synchronous = ${this.fsyncs ? 'NORMAL' : 'OFF'}`);
      db.pragma('busy_timeout = 5000');
      db.exec('CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL)');
      return db;
    } catch (error) {
      db?.close();
      this.syncUnsyncedWrites?.();
      throw error;
    }
  }

  async prepare({ name, version, collections }: ProjectionIdentity): Promise<number> {
    const row = this.db.prepare<[string], { version: number; position: number }>('SELECT version, position FROM projection_checkpoints WHERE name = ?').get(name);
    // Also when a collection's table is missing or has other columns (written by an older Shiplog): replay it.
    const stale = (c: CollectionDef) => this.columnsOf(table(c.name)).join() !== indexedFields(c.indexes).join() || !this.tableExists(table(c.name));
    const reset = row !== undefined && (row.version !== version || collections.some(stale));
    for (const collection of collections) if (collection.appendOnly === true) this.appendOnly.add(collection.name);
    this.db.transaction(() => {
      for (const collection of collections) this.createCollection(collection, reset);
      if (!row || reset) {
        this.db
          .prepare('INSERT INTO projection_checkpoints (name, version, position) VALUES (?, ?, 0) ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0')
          .run(name, version);
      }
    })();
    this.forgetSchema();
    return reset || !row ? 0 : row.position;
  }

  private createCollection({ name, indexes }: CollectionDef, reset: boolean): void {
    if (reset) {
      this.db.exec(`DROP TABLE IF EXISTS ${table(name)}`);
      this.forgetSchema();
    }
    const fields = indexedFields(indexes);
    this.db.exec(tableSql(table(name), fields));
    const column = columnOf(fields);
    for (const index of indexes) {
      const indexName = `${table(name)}__${index.map((f) => checked('field', f)).join('__')}`;
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${table(name)} (${index.map(column).join(', ')})`);
    }
  }

  private tableExists(tableName: string): boolean {
    return this.db.prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").get(tableName) !== undefined;
  }

  /** The fields with a column of their own in `tableName` (as created, by this process or another). */
  private columnsOf(tableName: string): readonly string[] {
    let fields = this.columns.get(tableName);
    if (!fields) {
      const info = this.db.prepare<[], { name: string }>(`PRAGMA table_info(${tableName})`).all();
      fields = info.flatMap(({ name }) => (name.startsWith('f_') ? [name.slice(2)] : []));
      this.columns.set(tableName, fields);
    }
    return fields;
  }

  /** Tables were dropped, created or renamed: statements, column lists and documents read before may be stale. */
  private forgetSchema(): void {
    this.statements.clear();
    this.columns.clear();
    this.known.clear();
  }

  async commit(projection: string, { from, to }: CheckpointMove, work: (tx: ReadTx) => Promise<void>): Promise<boolean> {
    const claim = () => this.statement('UPDATE projection_checkpoints SET position = ? WHERE name = ? AND position = ?').run(to, projection, from).changes === 1;
    const key = (collection: string, id: string) => `${table(collection)}\u0000${id}`;
    const { tx, writes } = overlayTx(async (collection, id) => {
      // Append-only documents are neither kept when written nor when read, so `known` never holds a stale one.
      if (this.appendOnly.has(collection)) return this.getSync(collection, id);
      const cached = this.known.get(key(collection, id));
      if (cached !== undefined) return cached;
      const doc = this.getSync(collection, id);
      this.remember(key(collection, id), doc);
      return doc;
    });
    try {
      await work(tx);
      // IMMEDIATE takes the write lock up front, so another process on the same file waits (busy_timeout) instead
      // of failing on a stale snapshot. A unit of work is all or nothing: its writes and its checkpoint together.
      const rows = [...writes].map(([collection, byId]) => tableWrites(table(collection), this.columnsOf(table(collection)), byId));
      const claimed = this.db.transaction(() => claim() && (writeTables((sql) => this.statement(sql), rows), true)).immediate();
      if (!claimed) this.known.clear();
      else {
        for (const [collection, byId] of writes) {
          if (this.appendOnly.has(collection)) continue;
          for (const [id, write] of byId) this.remember(key(collection, id), 'doc' in write ? write.doc : null);
        }
      }
      return claimed;
    } catch (error) {
      this.known.clear();
      throw error;
    }
  }

  /** Most recently used last (Map order); the oldest entries go first. */
  private remember(key: string, doc: Doc | null): void {
    this.known.delete(key);
    this.known.set(key, doc);
    if (this.known.size > SqliteReadStore.KNOWN_CAPACITY) this.known.delete(this.known.keys().next().value!);
  }

  /**
   * Rebuilds into `rm_<collection>__next` tables (no secondary indexes while loading: faster), then swaps them
   * in with their indexes and the new checkpoint in one transaction. Queries keep reading the old tables until then.
   * The rows are written by a RebuildWriter's thread while this one projects the next batch.
   */
  async beginRebuild({ name, version, collections }: ProjectionIdentity): Promise<RebuildTarget> {
    const next = (collection: string) => `${table(collection)}__next`;
    this.db.transaction(() => {
      for (const { name: collection, indexes } of collections) {
        this.db.exec(`DROP TABLE IF EXISTS ${next(collection)}`);
        this.db.exec(tableSql(next(collection), indexedFields(indexes)));
      }
    })();
    this.forgetSchema();
    // One writer thread for the rebuilds in progress (a failed one is left to the rebuilds it failed); the last to
    // finish ends it.
    if (!this.rebuilding || this.rebuilding.writer.failed) this.rebuilding = { writer: new RebuildWriter(this.file, this.fsyncs), targets: 0 };
    const shared = this.rebuilding;
    shared.targets += 1;
    const { writer } = shared;
    writer.forget(collections.map((c) => next(c.name)));
    let released = false;
    const release = async (end: (writer: RebuildWriter) => Promise<void>) => {
      if (released) return;
      released = true;
      shared.targets -= 1;
      if (shared.targets > 0) return;
      if (this.rebuilding === shared) this.rebuilding = null;
      await end(writer);
    };
    const appendOnly = new Set(collections.filter((c) => c.appendOnly === true).map((c) => c.name));
    let position = 0;
    return {
      commit: async (at, work) => {
        const { tx, writes } = overlayTx(async (collection, id) => {
          const written = writer.recall(next(collection), id);
          if (written !== undefined) return written;
          const row = this.statement<[string], { doc: string }>(`SELECT doc FROM ${next(collection)} WHERE id = ?`).get(id);
          return row ? (JSON.parse(row.doc) as Doc) : null;
        });
        await work(tx);
        await writer.write(writes, next, (t) => this.columnsOf(t), (collection) => appendOnly.has(collection));
        position = at;
      },
      swap: async () => {
        await writer.flushed();
        await release((w) => w.close());
        this.forgetSchema();
        this.db.transaction(() => {
          for (const collection of collections) {
            this.db.exec(`DROP TABLE IF EXISTS ${table(collection.name)}`);
            this.db.exec(`ALTER TABLE ${next(collection.name)} RENAME TO ${table(collection.name)}`);
            this.createCollection(collection, false);
          }
          this.db
            .prepare('INSERT INTO projection_checkpoints (name, version, position) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position')
            .run(name, version, position);
        })();
        this.forgetSchema();
      },
      abort: async () => {
        await writer.flushed().catch(() => undefined); // another rebuild may share the thread: let it finish this one's rows
        await release((w) => w.abort());
        for (const { name: collection } of collections) this.db.exec(`DROP TABLE IF EXISTS ${next(collection)}`);
        this.forgetSchema();
      },
    };
  }

  /** Prepared statements are cached by SQL text: queries repeat with different parameters. */
  private statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<P, R>;
  }

  async checkpoint(projection: string): Promise<number | null> {
    return this.statement<[string], { position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?').get(projection)?.position ?? null;
  }

  private getSync<T extends Doc>(collection: string, id: string): T | null {
    const row = this.statement<[string], { doc: string }>(`SELECT doc FROM ${table(collection)} WHERE id = ?`).get(id);
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  async get<T extends Doc>(collection: string, id: string): Promise<T | null> {
    return this.getSync<T>(collection, id);
  }

  async find<T extends Doc>(collection: string, query: FindQuery = {}): Promise<T[]> {
    const params: (string | number | null)[] = [];
    const column = columnOf(this.columnsOf(table(collection)));
    const where = Object.entries(query.where ?? {}).map(([field, condition]) => conditionSql(column, field, condition, params));
    if (query.after && query.orderBy?.length) where.push(`(${keysetSql(column, query.orderBy, query.after, params)})`);
    const order = query.orderBy?.length ? ` ORDER BY ${query.orderBy.map(([f, d]) => `${column(f)} ${d === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}` : '';
    params.push(query.limit ?? -1);
    const sql = `SELECT doc FROM ${table(collection)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${order} LIMIT ?`;
    return this.statement<(string | number | null)[], { doc: string }>(sql)
      .all(...params)
      .map((row) => JSON.parse(row.doc) as T);
  }

  async close(): Promise<void> {
    try {
      // A rebuild still writing would write on after this connection's marker is gone: it is stopped first.
      await this.rebuilding?.writer.abort();
      this.rebuilding = null;
    } finally {
      this.db.close();
      this.syncUnsyncedWrites?.();
    }
  }
}
