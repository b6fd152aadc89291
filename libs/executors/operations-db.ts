import Database from 'better-sqlite3';

/**
 * operations.db: what executors do outside the event stream — deployment log lines and the command processes
 * running — durable (they survive a restart), but not business facts, so not events.
 */
export const openOperationsDb = (file: string): Database.Database => {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS log_lines (
      seq INTEGER PRIMARY KEY, deployment_id TEXT NOT NULL, at TEXT NOT NULL, stream TEXT NOT NULL, line TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS log_lines_by_deployment ON log_lines (deployment_id, seq);
    CREATE TABLE IF NOT EXISTS executions (
      deployment_id TEXT PRIMARY KEY, product TEXT NOT NULL, environment TEXT NOT NULL, version TEXT NOT NULL,
      pid INTEGER, started_at TEXT NOT NULL, finished_at TEXT, outcome TEXT
    );
  `);
  return db;
};
