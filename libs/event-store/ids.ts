import { createHash, randomFillSync } from 'node:crypto';
import type { Clock, IdGenerator } from '../domain/shared/time';

export const systemClock: Clock = { now: () => new Date() };

const toUuid = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds then randomness, so ids sort by creation time and index well.
 * Within one millisecond a counter in the random bits keeps ids monotonic.
 */
export const uuidv7Generator = (clock: Clock = systemClock): IdGenerator => {
  let lastMs = -1;
  let counter = 0;
  // Random bytes are drawn 4 KiB at a time: one call into the CSPRNG per 256 ids instead of one per id.
  const pool = Buffer.alloc(4096);
  let used = pool.length;
  return {
    next() {
      const ms = Math.max(clock.now().getTime(), lastMs);
      counter = ms === lastMs ? counter + 1 : 0;
      lastMs = ms;
      if (used === pool.length) {
        randomFillSync(pool);
        used = 0;
      }
      const bytes = Buffer.from(pool.subarray(used, (used += 16)));
      bytes.writeUIntBE(ms, 0, 6);
      bytes.writeUInt16BE(0x7000 | (counter & 0x0fff), 6); // version 7 + 12-bit sequence
      bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
      return toUuid(bytes);
    },
  };
};

/**
 * The same key always maps to the same event ids (UUIDv8, name-based on SHA-256), so a retried request
 * carrying an idempotency key can never append its events twice: the store dedupes by event id.
 */
export const deterministicEventId = (key: string, index: number): string => {
  const bytes = createHash('sha256').update(`${key}\u0000${index}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return toUuid(bytes);
};
