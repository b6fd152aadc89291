/**
 * Entry point of a rebuild's writer thread (started by RebuildWriter): commits the batches of rows a rebuild
 * computed, in order, one transaction each, on its own connection — so the rebuild's thread goes on projecting
 * the next events while SQLite writes.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { RebuildBatch, RebuildWriterData, RebuildWriterReply } from './rebuild-writer';
import { writeTables } from './sqlite-rows';

const port = parentPort;
if (!port) throw new Error('rebuild-writer.worker runs as a worker thread (see RebuildWriter)');

const { file, fsync } = workerData as RebuildWriterData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
// Unsynced like the store that started it, whose marker covers this connection's writes too (unsynced-writes.ts).
db.pragma(`synchronous = ${fsync ? 'NORMAL' : 'OFF'}`);
// Another rebuild's swap (index builds in one transaction) may hold the write lock for minutes on a large store.
db.pragma('busy_timeout = 600000');
const statements = new Map<string, Database.Statement>();
const statement = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;

const write = db.transaction(({ tables }: RebuildBatch) => writeTables(statement, tables));

port.on('message', (batch: RebuildBatch | 'close') => {
  if (batch === 'close') {
    db.close();
    return port.close(); // nothing else keeps the thread alive: it exits
  }
  let reply: RebuildWriterReply;
  try {
    write.immediate(batch);
    reply = { batch: batch.batch };
  } catch (error) {
    reply = { batch: batch.batch, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
