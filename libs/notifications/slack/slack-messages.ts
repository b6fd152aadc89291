import Database from 'better-sqlite3';

/** The one Slack message Shiplog keeps per deployment (or build) and channel, updated in place. */
export type SlackMessage = {
  key: string;
  subject_id: string;
  subject_kind: 'deployment' | 'build';
  channel: string;
  /** Slack's message id, once posted. */
  ts: string | null;
  status: 'posting' | 'posted' | 'failed';
  /** What the message shows, merged from every event so far (JSON). */
  facts: string;
  last_position: number;
  thread_posted: number;
  attempts: number;
  last_error: string | null;
  updated_at: string;
};

/** Durable record of posted messages (outbox.db): a restart updates the same message instead of posting another. */
export class SlackMessages {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS slack_messages (
      key TEXT PRIMARY KEY, subject_id TEXT NOT NULL, subject_kind TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT, status TEXT NOT NULL,
      facts TEXT NOT NULL, last_position INTEGER NOT NULL, thread_posted INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS slack_messages_by_subject ON slack_messages (subject_id)`);
  }

  get(key: string): SlackMessage | null {
    return this.db.prepare<[string], SlackMessage>('SELECT * FROM slack_messages WHERE key = ?').get(key) ?? null;
  }

  save(message: SlackMessage): void {
    this.db
      .prepare(
        `INSERT INTO slack_messages (key, subject_id, subject_kind, channel, ts, status, facts, last_position, thread_posted, attempts, last_error, updated_at)
         VALUES (@key, @subject_id, @subject_kind, @channel, @ts, @status, @facts, @last_position, @thread_posted, @attempts, @last_error, @updated_at)
         ON CONFLICT (key) DO UPDATE SET ts = excluded.ts, status = excluded.status, facts = excluded.facts, last_position = excluded.last_position,
           thread_posted = excluded.thread_posted, attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at`,
      )
      .run(message);
  }

  bySubject(subjectId: string): SlackMessage[] {
    return this.db.prepare<[string], SlackMessage>('SELECT * FROM slack_messages WHERE subject_id = ?').all(subjectId);
  }

  list(limit: number): SlackMessage[] {
    return this.db.prepare<[number], SlackMessage>('SELECT * FROM slack_messages ORDER BY updated_at DESC LIMIT ?').all(limit);
  }

  close(): void {
    this.db.close();
  }
}
