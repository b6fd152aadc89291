import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';

/** One HTTP delivery of one event to one target; its id is the `Shiplog-Delivery` header, stable across retries. */
export type Delivery = {
  delivery_id: string;
  /** `webhook:<id>` for subscriptions, `executor:<environment>` for external executors. */
  target: string;
  event_id: string;
  event_type: string;
  url: string;
  payload: string;
  /** The signing secret, sealed (never in clear at rest); null = unsigned. */
  sealed_secret: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  last_status: number | null;
  created_at: string;
  delivered_at: string | null;
};

export type NewDelivery = Pick<Delivery, 'delivery_id' | 'target' | 'event_id' | 'event_type' | 'url' | 'payload' | 'sealed_secret'>;

/**
 * Durable outbox of outgoing HTTP deliveries (SQLite, fsync'd). A reactor enqueues before it checkpoints, so a
 * crash re-enqueues at worst, and the same delivery id makes that a no-op: nothing is lost or sent as new twice.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly emitter = new EventEmitter();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        delivery_id TEXT PRIMARY KEY, target TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, url TEXT NOT NULL,
        payload TEXT NOT NULL, sealed_secret TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,
        last_error TEXT, last_status INTEGER, created_at TEXT NOT NULL, delivered_at TEXT
      );
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
      CREATE INDEX IF NOT EXISTS deliveries_by_target ON deliveries (target, created_at);
    `);
  }

  enqueue(delivery: NewDelivery, now: Date): boolean {
    const at = now.toISOString();
    const { changes } = this.db
      .prepare(
        `INSERT OR IGNORE INTO deliveries (delivery_id, target, event_id, event_type, url, payload, sealed_secret, status, attempts, next_attempt_at, created_at)
         VALUES (@delivery_id, @target, @event_id, @event_type, @url, @payload, @sealed_secret, 'pending', 0, @at, @at)`,
      )
      .run({ ...delivery, at });
    if (changes > 0) this.emitter.emit('enqueued');
    return changes > 0;
  }

  due(now: Date, limit = 20): Delivery[] {
    return this.db.prepare<[string, number], Delivery>(`SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`).all(now.toISOString(), limit);
  }

  nextDueAt(): string | null {
    return this.db.prepare<[], { at: string | null }>(`SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'`).get()?.at ?? null;
  }

  delivered(id: string, status: number, now: Date): void {
    this.db.prepare(`UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ? WHERE delivery_id = ?`).run(status, now.toISOString(), id);
  }

  /** A failed attempt: retried at `retryAt`, or given up when null. */
  attemptFailed(id: string, error: string, status: number | null, retryAt: Date | null): void {
    this.db
      .prepare(`UPDATE deliveries SET attempts = attempts + 1, last_error = ?, last_status = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE delivery_id = ?`)
      .run(error.slice(0, 500), status, retryAt ? 'pending' : 'failed', retryAt?.toISOString() ?? null, id);
  }

  byTarget(target: string, limit: number): Delivery[] {
    return this.db.prepare<[string, number], Delivery>(`SELECT * FROM deliveries WHERE target = ? ORDER BY created_at DESC, delivery_id DESC LIMIT ?`).all(target, limit);
  }

  onEnqueued(listener: () => void): () => void {
    this.emitter.on('enqueued', listener);
    return () => this.emitter.off('enqueued', listener);
  }

  close(): void {
    this.db.close();
  }
}
