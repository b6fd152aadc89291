import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { startCatchUpSubscription } from '../catch-up-subscription';
import { EventStoreClosed, PartialDuplicateAppend, WrongExpectedRevision } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventImporter,
  EventStore,
  EventSearch,
  EventToAppend,
  ExpectedRevision,
  ReadStreamOptions,
  RecordedEvent,
  StreamRead,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { NO_STREAM } from '../event-store.port';
import { GENESIS_HASH } from '../hash-chain';
import { recordEvents } from '../record-events';
import { LeaseLost, type LeaseFence, type LeaseGrant, type LeaseStore } from '../lease.port';
import { systemClock, uuidv7Generator } from '../ids';
import { RecentEvents } from './recent-events';
import { createSerializer, type EventSerializer } from '../serializer';

export type SqliteEventStoreOptions = {
  file: string;
  clock?: Clock;
  ids?: IdGenerator;
  serializer?: EventSerializer;
  /**
   * On (default): appends that arrive while a write is pending share one transaction and one fsync.
   * Off: every append commits (and fsyncs) on its own — kept for the benchmark baseline.
   */
  groupCommit?: boolean;
  /** Upper bound of appends per group transaction. */
  maxGroupSize?: number;
};

export type EventRow = {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  occurred_at: string;
  recorded_at: string;
  data: string;
  metadata: string;
};

type PendingAppend = {
  stream: string;
  events: readonly EventToAppend[];
  options: AppendOptions;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    stream          TEXT    NOT NULL,
    revision        INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    occurred_at     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    idempotency_key TEXT,
    UNIQUE (stream, revision)
  );
  CREATE INDEX IF NOT EXISTS events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, term INTEGER NOT NULL, expires_at TEXT NOT NULL);
`;

const prepareStatements = (db: Database.Database) => ({
  insert: db.prepare<[string, string, number, string, number, string, string, string, string, string | null]>(
    `INSERT INTO events (id, stream, revision, type, schema_version, occurred_at, recorded_at, data, metadata, idempotency_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  byId: db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?'),
  byIdempotencyKey: db.prepare<[string], EventRow>('SELECT * FROM events WHERE idempotency_key = ? ORDER BY position'),
  // The (stream, revision) index alone answers it: no row is read.
  headRevision: db.prepare<[string], Pick<EventRow, 'revision'>>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
  // The hash the next event chains to, taken out of the metadata by SQLite (no JSON parse of the whole of it here).
  head: db.prepare<[string], { revision: number; hash: string }>(
    "SELECT revision, json_extract(metadata, '$.hash') AS hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1",
  ),
  forwards: db.prepare<[string, number, number], EventRow>(
    'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?',
  ),
  backwards: db.prepare<[string, number, number], EventRow>(
    'SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
  ),
  all: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
  headPosition: db.prepare<[], { head: number }>('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
  readCheckpoint: db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
  writeCheckpoint: db.prepare(
    'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
  ),
  syncOnNextAppend: db.prepare('PRAGMA synchronous = NORMAL'),
  syncEachCommit: db.prepare('PRAGMA synchronous = FULL'),
  writeFencedCheckpoint: db.prepare(
    `INSERT INTO checkpoints (name, position) SELECT @name, @position WHERE EXISTS (SELECT 1 FROM leases WHERE name = @lease AND holder = @holder AND term = @term)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
  ),
  // Free, expired or already ours: take it (a new holder gets the next term); otherwise no row comes back.
  acquireLease: db.prepare<{ name: string; holder: string; expires_at: string; now: string }, { term: number; expires_at: string }>(
    `INSERT INTO leases (name, holder, term, expires_at) VALUES (@name, @holder, 1, @expires_at)
     ON CONFLICT (name) DO UPDATE SET
       term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE leases.term + 1 END,
       holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= @now
     RETURNING term, expires_at`,
  ),
  releaseLease: db.prepare("UPDATE leases SET expires_at = '' WHERE name = ? AND holder = ?"),
});

/** A row as stored, payload at its stored schema version (what the hash chain covers). Throws on corrupt JSON. */
export const storedEvent = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  stream: row.stream,
  revision: row.revision,
  position: row.position,
  occurredAt: row.occurred_at,
  recordedAt: row.recorded_at,
  schemaVersion: row.schema_version,
  data: JSON.parse(row.data) as unknown,
  metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
});

const revisionMatches = (expected: ExpectedRevision, actual: number): boolean =>
  expected === 'any' || (expected === 'no_stream' ? actual === NO_STREAM : expected === actual);

/**
 * Event store on one SQLite file: WAL with synchronous=FULL, so a resolved append is on disk.
 * better-sqlite3 is synchronous; concurrency comes from batching appends, not from parallel writers.
 */
export class SqliteEventStore implements LeaseStore, EventStore, EventImporter {
  private readonly emitter = new EventEmitter();
  private readonly subscriptions = new Set<Subscription>();
  private queue: PendingAppend[] = [];
  private readonly recent = new RecentEvents();
  /** Rows inserted by the group transaction in progress, for `recent` once it commits. */
  private inserted: EventRow[] = [];
  private flushScheduled = false;
  /** The highest position announced to subscriptions: appended here, or noticed (appended by another connection). */
  private announcedHead = 0;
  private closed = false;

  private readonly statements: ReturnType<typeof prepareStatements>;

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    return new SqliteEventStore(options);
  }

  private constructor(private readonly options: SqliteEventStoreOptions) {
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? uuidv7Generator(this.clock);
    this.serializer = options.serializer ?? createSerializer({});
    this.emitter.setMaxListeners(0);
    this.statements = prepareStatements(this.db);
    // A refused append (stale revision, partial duplicate) is refused before it writes anything, so it needs no
    // savepoint of its own: the others of its group go on. Any other error, or a refusal after a write (its rows
    // could not be undone alone), fails the whole group (rolled back).
    this.writeGroup = this.db.transaction((group: readonly PendingAppend[]) =>
      group.map((pending) => {
        const insertedBefore = this.inserted.length;
        try {
          return { ok: true as const, result: this.writeOne(pending) };
        } catch (error) {
          const refused = error instanceof WrongExpectedRevision || error instanceof PartialDuplicateAppend;
          if (refused && this.inserted.length === insertedBefore) return { ok: false as const, error };
          throw error;
        }
      }),
    );
    this.importAll = this.db.transaction(this.importUnsafe.bind(this));
  }

  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly serializer: EventSerializer;
  private readonly writeGroup: Database.Transaction<(group: readonly PendingAppend[]) => ({ ok: true; result: AppendResult } | { ok: false; error: Error })[]>;
  private readonly importAll: Database.Transaction<(events: readonly RecordedEvent[]) => number>;

  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreClosed());
    return new Promise<AppendResult>((resolve, reject) => {
      const pending: PendingAppend = { stream, events, options, resolve, reject };
      if (this.options.groupCommit === false) return this.commit([pending]);
      this.queue.push(pending);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate lets every request already parsed in this event-loop turn join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) this.commit(this.queue.splice(0, this.options.maxGroupSize ?? 1_000));
  }

  private commit(group: readonly PendingAppend[]): void {
    let outcomes;
    this.inserted = [];
    try {
      // IMMEDIATE: take the write lock before reading heads, so another process on the file waits (busy_timeout)
      // instead of failing on a snapshot it wrote past.
      outcomes = this.writeGroup.immediate(group);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    this.recent.add(this.inserted.map((row) => this.toRecorded(row)));
    this.inserted = [];
    let head = 0;
    outcomes.forEach((outcome, i) => {
      const pending = group[i]!;
      if (!outcome.ok) return pending.reject(outcome.error);
      head = Math.max(head, outcome.result.position);
      pending.resolve(outcome.result);
    });
    if (head > 0) this.announce(head);
  }

  /** One append inside the group transaction; refusals are thrown before its first write (see writeGroup). */
  private writeOne({ stream, events, options }: PendingAppend): AppendResult {
    const earlier = this.earlierAppend(stream, events, options.idempotencyKey);
    if (earlier) return earlier;

    const head = this.statements.head.get(stream);
    const current = head?.revision ?? NO_STREAM;
    if (!revisionMatches(options.expectedRevision, current)) throw new WrongExpectedRevision(stream, options.expectedRevision, current);
    if (events.length === 0) return { stream, revision: current, position: 0, events: [], alreadyAppended: false };

    const recorded = recordEvents({
      stream,
      events,
      ids: events.map((event) => event.id ?? this.ids.next()),
      options,
      head: { revision: current, hash: head?.hash ?? GENESIS_HASH },
      recordedAt: this.clock.now().toISOString(),
      serializer: this.serializer,
    });
    const written = recorded.map((event): RecordedEvent => {
      const { id, revision, type, schemaVersion, occurredAt, recordedAt } = event;
      const data = JSON.stringify(event.data);
      const metadata = JSON.stringify(event.metadata);
      const info = this.statements.insert.run(id, stream, revision, type, schemaVersion, occurredAt, recordedAt, data, metadata, options.idempotencyKey ?? null);
      const position = Number(info.lastInsertRowid);
      this.inserted.push({ position, id, stream, revision, type, schema_version: schemaVersion, occurred_at: occurredAt, recorded_at: recordedAt, data, metadata });
      return { ...event, position };
    });
    const revision = current + written.length;
    return { stream, revision, position: written[written.length - 1]!.position, events: written, alreadyAppended: false };
  }

  /**
   * Copies recorded events as they are (EventImporter), in one transaction: all of them are written or none.
   * Appends already queued are committed first, so calls keep their order.
   */
  async importEvents(events: readonly RecordedEvent[]): Promise<void> {
    this.assertOpen();
    this.flush();
    this.recent.clear();
    const head = this.importAll.immediate(events);
    if (head > 0) this.announce(head);
  }

  private importUnsafe(events: readonly RecordedEvent[]): number {
    const heads = new Map<string, { revision: number; hash: string }>();
    let position = 0;
    for (const event of events) {
      const { stream, revision, metadata } = event;
      let head = heads.get(stream);
      if (!head) {
        head = this.statements.head.get(stream) ?? { revision: NO_STREAM, hash: GENESIS_HASH };
      }
      const refuse = (reason: string) => new Error(`Cannot import event ${event.id} into stream ${stream} at revision ${revision}: ${reason}; nothing was imported`);
      if (revision !== head.revision + 1) throw refuse(`the stream's next revision is ${head.revision + 1}`);
      if (metadata.prevHash !== head.hash) throw refuse(`its prevHash is not the hash of revision ${head.revision} (${head.hash})`);
      if (typeof metadata.hash !== 'string') throw refuse('it has no hash');
      if (this.statements.byId.get(event.id)) throw refuse('an event with this id is already stored');
      const info = this.statements.insert.run(
        event.id,
        stream,
        revision,
        event.type,
        event.schemaVersion,
        event.occurredAt,
        event.recordedAt,
        JSON.stringify(event.data),
        JSON.stringify(metadata),
        metadata.idempotencyKey ?? null,
      );
      heads.set(stream, { revision, hash: metadata.hash });
      position = Number(info.lastInsertRowid);
    }
    return position;
  }

  /** A retried append (same event ids, or same idempotency key) returns what the first one stored. */
  private earlierAppend(stream: string, events: readonly EventToAppend[], idempotencyKey: string | undefined): AppendResult | null {
    const byKey = idempotencyKey === undefined ? [] : this.statements.byIdempotencyKey.all(idempotencyKey);
    const rows = byKey.length > 0 ? byKey : events.flatMap((e) => (e.id === undefined ? [] : this.statements.byId.all(e.id)));
    if (rows.length === 0) return null;
    if (byKey.length === 0 && rows.length !== events.length) {
      throw new PartialDuplicateAppend(stream, rows.map((r) => r.id));
    }
    const stored = rows.map((row) => this.toRecorded(row));
    const current = this.statements.headRevision.get(stored[0]!.stream)?.revision ?? NO_STREAM;
    return { stream: stored[0]!.stream, revision: current, position: stored[stored.length - 1]!.position, events: stored, alreadyAppended: true };
  }

  private toRecorded(row: EventRow): RecordedEvent {
    const stored = storedEvent(row);
    const { schemaVersion, data } = this.serializer.upcast(row.type, row.schema_version, stored.data as Record<string, unknown>);
    // Nearly every event is stored at its current version: no copy then.
    return data === stored.data && schemaVersion === stored.schemaVersion ? stored : { ...stored, schemaVersion, data };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StreamRead> {
    this.assertOpen();
    const limit = options.maxCount ?? -1;
    if (options.direction === 'backwards') {
      const rows = this.statements.backwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit);
      return { events: rows.map((row) => this.toRecorded(row)), revision: this.statements.headRevision.get(stream)?.revision ?? NO_STREAM };
    }
    // The head first: most reads are of a missing stream or from a cached revision past the head (nothing to read).
    const head = this.statements.headRevision.get(stream)?.revision ?? NO_STREAM;
    const fromRevision = options.fromRevision ?? 0;
    if (head < fromRevision) return { events: [], revision: head };
    const rows = this.statements.forwards.all(stream, fromRevision, limit);
    // Another process may have appended between the two reads.
    return { events: rows.map((row) => this.toRecorded(row)), revision: Math.max(head, rows[rows.length - 1]?.revision ?? NO_STREAM) };
  }

  async readAll(fromPosition = 0, maxCount = 1_000): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.recent.after(fromPosition, maxCount) ?? this.statements.all.all(fromPosition, maxCount).map((row) => this.toRecorded(row));
  }

  /**
   * Like readAll, but a read from the last position announced (appended here, or noticed) answers "nothing more"
   * without asking SQLite: for a subscription's reads that need not be fresh (CatchUpOptions.read); its fresh reads
   * find what other processes appended unannounced.
   */
  private async readAppended(fromPosition: number, maxCount: number): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.announcedHead <= fromPosition ? [] : this.readAll(fromPosition, maxCount);
  }

  /**
   * Like readAll, but each payload at its stored schema version, not upcast: what the hash chain covers, and
   * what a copy to another store (`shiplog migrate`) must carry.
   */
  async readAllStored(fromPosition = 0, maxCount = 1_000): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.statements.all.all(fromPosition, maxCount).map(storedEvent);
  }

  async searchEvents(search: EventSearch): Promise<RecordedEvent[]> {
    this.assertOpen();
    const where = ['position > ?'];
    const params: (string | number)[] = [search.afterPosition ?? 0];
    const anyOf = (clauses: string[]) => where.push(`(${clauses.join(' OR ')})`);
    if (search.streamGlobs?.length) {
      anyOf(search.streamGlobs.map(() => 'stream GLOB ?'));
      params.push(...search.streamGlobs);
    }
    if (search.types?.length || search.typePrefixes?.length) {
      anyOf([...(search.types ?? []).map(() => 'type = ?'), ...(search.typePrefixes ?? []).map(() => 'substr(type, 1, ?) = ?')]);
      params.push(...(search.types ?? []), ...(search.typePrefixes ?? []).flatMap((prefix) => [prefix.length, prefix]));
    }
    if (search.actor !== undefined) {
      where.push("(json_extract(metadata, '$.actor.id') = ? OR json_extract(metadata, '$.actor.name') = ?)");
      params.push(search.actor, search.actor);
    }
    if (search.recordedFrom !== undefined) {
      where.push('recorded_at >= ?');
      params.push(search.recordedFrom);
    }
    if (search.recordedBefore !== undefined) {
      where.push('recorded_at < ?');
      params.push(search.recordedBefore);
    }
    params.push(search.limit);
    return this.db
      .prepare<(string | number)[], EventRow>(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`)
      .all(...params)
      .map((row) => this.toRecorded(row));
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.statements.headPosition.get()!.head;
  }

  async findByIdempotencyKey(key: string): Promise<RecordedEvent[] | null> {
    this.assertOpen();
    const rows = this.statements.byIdempotencyKey.all(key);
    return rows.length === 0 ? null : rows.map((row) => this.toRecorded(row));
  }

  async readCheckpoint(name: string): Promise<number | null> {
    this.assertOpen();
    return this.statements.readCheckpoint.get(name)?.position ?? null;
  }

  /**
   * Without a sync of its own (a dozen subscriptions write theirs several times a second): power lost before the next
   * append's sync costs at most the last checkpoint, and the subscription re-reads those events (at-least-once). The
   * WAL is written in order, so that sync makes this commit durable too.
   */
  private writeCheckpoint(name: string, position: number, fence: LeaseFence | undefined): void {
    this.statements.syncOnNextAppend.run();
    try {
      if (!fence) return void this.statements.writeCheckpoint.run(name, position);
      const { changes } = this.statements.writeFencedCheckpoint.run({ name, position, lease: fence.lease, holder: fence.holder, term: fence.term });
      if (changes === 0) throw new LeaseLost(fence);
    } finally {
      this.statements.syncEachCommit.run();
    }
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseGrant | null> {
    this.assertOpen();
    const row = this.statements.acquireLease.get({ name, holder, expires_at: new Date(now.getTime() + ttlMs).toISOString(), now: now.toISOString() });
    return row ? { name, holder, term: row.term, expiresAt: row.expires_at } : null;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.assertOpen();
    this.statements.releaseLease.run(name, holder);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const { checkpointName } = options;
    const stored = checkpointName === undefined ? null : (this.statements.readCheckpoint.get(checkpointName)?.position ?? null);
    const subscription = startCatchUpSubscription({
      read: (after, max, fresh) => (fresh ? this.readAll(after, max) : this.readAppended(after, max)),
      onAppended: (listener) => this.onAppended(listener),
      fromPosition: stored ?? options.fromPosition ?? 0,
      batchSize: options.batchSize ?? 500,
      ...(options.minBatchIntervalMs === undefined ? {} : { minBatchIntervalMs: options.minBatchIntervalMs }),
      handler: options.handler,
      ...(checkpointName === undefined
        ? {}
        : { afterBatch: async (position: number) => this.writeCheckpoint(checkpointName, position, options.fence) }),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.subscriptions.add(subscription);
    return {
      get position() {
        return subscription.position;
      },
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  /** Wakes the subscriptions, whose next read then goes as far as `head` (from the tail of recent appends, or SQLite). */
  private announce(head: number): void {
    this.announcedHead = Math.max(this.announcedHead, head);
    this.emitter.emit('appended', head);
  }

  /**
   * Another connection to the file (a worker thread's or another process's) appended up to `head`: wakes this
   * store's subscriptions now instead of at their next idle poll.
   */
  noticeAppended(head: number): void {
    if (!this.closed) this.announce(head);
  }

  onAppended(listener: (position: number) => void): () => void {
    this.emitter.on('appended', listener);
    return () => this.emitter.off('appended', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}
