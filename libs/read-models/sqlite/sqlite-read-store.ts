import Database from 'better-sqlite3';
import { overlayTx } from '../overlay';
import type { CheckpointMove, CollectionDef, Condition, Doc, FindQuery, ProjectionIdentity, ReadStore, ReadTx, RebuildTarget, Scalar } from '../read-store.port';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const checked = (kind: string, name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid ${kind} name for the read store: ${name}`);
  return name;
};

const table = (collection: string) => `rm_${checked('collection', collection)}`;
/** `id` is a column; every other field lives in the JSON document and is indexed by the same expression. */
const column = (field: string) => (field === 'id' ? 'id' : `json_extract(doc, '$.${checked('field', field)}')`);
const bindable = (value: Scalar): string | number | null => (typeof value === 'boolean' ? Number(value) : value);

const isRange = (c: Condition): c is { gt?: Scalar; gte?: Scalar; lt?: Scalar; lte?: Scalar } =>
  c !== null && typeof c === 'object' && !('in' in c);

const conditionSql = (field: string, condition: Condition, params: (string | number | null)[]): string => {
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
const keysetSql = (orderBy: NonNullable<FindQuery['orderBy']>, after: readonly Scalar[], params: (string | number | null)[]): string =>
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

/** Read models on their own SQLite file, one table of JSON documents per collection. */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * What the projections' units of work last read or committed, parsed, by table and id (null: no such document):
   * a projection reads back the documents it just wrote, so this saves a SELECT and a JSON parse per event. Valid
   * because every write goes through a unit of work whose checkpoint compare-and-set would fail had another process
   * written since; on a failed claim, an error, a reset or a rebuild swap it is emptied.
   */
  private readonly known = new Map<string, Doc | null>();
  private static readonly KNOWN_CAPACITY = 20_000;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Read models can always be rebuilt from the event store, so they need no fsync per commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL)');
  }

  async prepare({ name, version, collections }: ProjectionIdentity): Promise<number> {
    const row = this.db.prepare<[string], { version: number; position: number }>('SELECT version, position FROM projection_checkpoints WHERE name = ?').get(name);
    const reset = row !== undefined && row.version !== version;
    this.db.transaction(() => {
      for (const collection of collections) this.createCollection(collection, reset);
      if (!row || reset) {
        this.db
          .prepare('INSERT INTO projection_checkpoints (name, version, position) VALUES (?, ?, 0) ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0')
          .run(name, version);
      }
    })();
    return reset || !row ? 0 : row.position;
  }

  private createCollection({ name, indexes }: CollectionDef, reset: boolean): void {
    if (reset) {
      this.db.exec(`DROP TABLE IF EXISTS ${table(name)}`);
      this.statements.clear();
      this.known.clear();
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table(name)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    for (const fields of indexes) {
      const indexName = `${table(name)}__${fields.map((f) => checked('field', f)).join('__')}`;
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${table(name)} (${fields.map(column).join(', ')})`);
    }
  }

  async commit(projection: string, { from, to }: CheckpointMove, work: (tx: ReadTx) => Promise<void>): Promise<boolean> {
    return this.commitTo(
      table,
      work,
      () => this.statement('UPDATE projection_checkpoints SET position = ? WHERE name = ? AND position = ?').run(to, projection, from).changes === 1,
      { live: true },
    );
  }

  /**
   * Runs `work` against an overlay (reads see its own writes), then, when `claim` succeeds, writes everything in
   * the same transaction: a unit of work is all or nothing. IMMEDIATE takes the write lock up front, so another
   * process on the same file waits (busy_timeout) instead of failing on a stale snapshot.
   */
  private async commitTo(tableOf: (collection: string) => string, work: (tx: ReadTx) => Promise<void>, claim: () => boolean, { live }: { live: boolean }): Promise<boolean> {
    // Only live units of work use `known`: a rebuild reads each document back at most once per batch.
    const key = (collection: string, id: string) => `${tableOf(collection)}\u0000${id}`;
    const { tx, writes } = overlayTx(async (collection, id) => {
      const cached = live ? this.known.get(key(collection, id)) : undefined;
      if (cached !== undefined) return cached;
      const row = this.statement<[string], { doc: string }>(`SELECT doc FROM ${tableOf(collection)} WHERE id = ?`).get(id);
      const doc = row ? (JSON.parse(row.doc) as Doc) : null;
      if (live) this.remember(key(collection, id), doc);
      return doc;
    });
    try {
      await work(tx);
      const claimed = this.db
        .transaction(() => {
          if (!claim()) return false;
          for (const [collection, byId] of writes) {
            for (const [id, write] of byId) {
              if ('doc' in write) this.statement(`INSERT INTO ${tableOf(collection)} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`).run(id, JSON.stringify(write.doc));
              else this.statement(`DELETE FROM ${tableOf(collection)} WHERE id = ?`).run(id);
            }
          }
          return true;
        })
        .immediate();
      if (!claimed) this.known.clear();
      else if (live)
        for (const [collection, byId] of writes) for (const [id, write] of byId) this.remember(key(collection, id), 'doc' in write ? write.doc : null);
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
   */
  async beginRebuild({ name, version, collections }: ProjectionIdentity): Promise<RebuildTarget> {
    const next = (collection: string) => `${table(collection)}__next`;
    const reset = () =>
      this.db.transaction(() => {
        this.known.clear();
        for (const { name: collection } of collections) {
          this.db.exec(`DROP TABLE IF EXISTS ${next(collection)}`);
          this.db.exec(`CREATE TABLE ${next(collection)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
        }
      })();
    reset();
    this.statements.clear();
    let position = 0;
    return {
      commit: async (at, work) => {
        await this.commitTo(
          next,
          work,
          () => {
            position = at;
            return true;
          },
          { live: false },
        );
      },
      swap: async () => {
        this.known.clear();
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
        this.statements.clear();
      },
      abort: async () => {
        this.known.clear();
        for (const { name: collection } of collections) this.db.exec(`DROP TABLE IF EXISTS ${next(collection)}`);
        this.statements.clear();
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
    const where = Object.entries(query.where ?? {}).map(([field, condition]) => conditionSql(field, condition, params));
    if (query.after && query.orderBy?.length) where.push(`(${keysetSql(query.orderBy, query.after, params)})`);
    const order = query.orderBy?.length ? ` ORDER BY ${query.orderBy.map(([f, d]) => `${column(f)} ${d === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}` : '';
    params.push(query.limit ?? -1);
    const sql = `SELECT doc FROM ${table(collection)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${order} LIMIT ?`;
    return this.statement<(string | number | null)[], { doc: string }>(sql)
      .all(...params)
      .map((row) => JSON.parse(row.doc) as T);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
