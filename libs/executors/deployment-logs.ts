import type Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';

export type LogStream = 'stdout' | 'stderr' | 'ci' | 'shiplog';
export type LogLine = { seq: number; at: string; stream: LogStream; line: string };

/** Log lines per deployment: written by the command executor and by CI (POST …/logs), followed live over SSE. */
export class DeploymentLogs {
  private readonly emitter = new EventEmitter();

  constructor(private readonly db: Database.Database) {
    this.emitter.setMaxListeners(0);
  }

  append(deploymentId: string, stream: LogStream, lines: readonly string[], at: Date): void {
    if (lines.length === 0) return;
    const insert = this.db.prepare('INSERT INTO log_lines (deployment_id, at, stream, line) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => lines.forEach((line) => insert.run(deploymentId, at.toISOString(), stream, line)))();
    this.emitter.emit(deploymentId);
  }

  read(deploymentId: string, afterSeq = 0, limit = 1_000): LogLine[] {
    return this.db
      .prepare<[string, number, number], LogLine>('SELECT seq, at, stream, line FROM log_lines WHERE deployment_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(deploymentId, afterSeq, limit);
  }

  /** Calls `listener` whenever lines are appended for the deployment; returns the unsubscribe function. */
  onAppend(deploymentId: string, listener: () => void): () => void {
    this.emitter.on(deploymentId, listener);
    return () => this.emitter.off(deploymentId, listener);
  }
}
