import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { RecordedEvent } from './event-store.port';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields a hash covers: everything but the global position (store-assigned, differs between stores) and the hashes. */
export type HashedFields = Omit<RecordedEvent, 'position' | 'metadata'> & {
  metadata: Omit<RecordedEvent['metadata'], 'prevHash' | 'hash'>;
};

/** SHA-256 of the previous hash followed by the event's canonical JSON (one-shot: no Hash object per event). */
export const eventHash = (prevHash: string, event: HashedFields): string => hash('sha256', prevHash + canonicalJson(event), 'hex');

const hashedFieldsOf = ({ position: _position, metadata, ...rest }: RecordedEvent): HashedFields => {
  const { prevHash: _prev, hash: _hash, ...meta } = metadata;
  return { ...rest, metadata: meta };
};

export type ChainBreak = { stream: string; revision: number; reason: string };

/**
 * Checks events one at a time (in stream order per stream, streams interleaved freely) and reports the first
 * broken link: an altered event (hash mismatch), a removed or reordered one (prevHash or revision mismatch).
 * Feeding it one event at a time keeps memory flat over any number of events.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, { revision: number; hash: string }>();
  checked = 0;

  check(event: RecordedEvent): ChainBreak | null {
    const head = this.heads.get(event.stream) ?? { revision: -1, hash: GENESIS_HASH };
    const at = { stream: event.stream, revision: event.revision };
    if (event.revision !== head.revision + 1) return { ...at, reason: `expected revision ${head.revision + 1}` };
    if (event.metadata.prevHash !== head.hash) return { ...at, reason: 'prevHash does not match the previous event' };
    if (eventHash(head.hash, hashedFieldsOf(event)) !== event.metadata.hash) return { ...at, reason: 'content does not match its hash' };
    this.heads.set(event.stream, { revision: event.revision, hash: event.metadata.hash });
    this.checked += 1;
    return null;
  }
}

export const verifyChain = (events: Iterable<RecordedEvent>): ChainBreak | null => {
  const verifier = new ChainVerifier();
  for (const event of events) {
    const broken = verifier.check(event);
    if (broken) return broken;
  }
  return null;
};
