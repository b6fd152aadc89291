import Database from 'better-sqlite3';
import type { RecordedEvent } from '../event-store.port';
import { ChainVerifier, type ChainBreak } from '../hash-chain';
import { storedEvent, type EventRow } from './sqlite-event-store';

/**
 * Verifies the hash chains of an events.db as stored (no upcasting), read-only, row by row. A payload that no
 * longer parses is a broken link too.
 */
export const verifySqliteStore = (file: string, onProgress?: (checked: number) => void): { checked: number; broken: ChainBreak | null } => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const verifier = new ChainVerifier();
    for (const row of db.prepare<[], EventRow>('SELECT * FROM events ORDER BY position').iterate()) {
      let event: RecordedEvent;
      try {
        event = storedEvent(row);
      } catch {
        return { checked: verifier.checked, broken: { stream: row.stream, revision: row.revision, reason: 'stored payload is not valid JSON' } };
      }
      const broken = verifier.check(event);
      if (broken) return { checked: verifier.checked, broken };
      if (verifier.checked % 10_000 === 0) onProgress?.(verifier.checked);
    }
    return { checked: verifier.checked, broken: null };
  } finally {
    db.close();
  }
};
