import { createHash } from 'node:crypto';
import type { EventMetadata, EventSearch, RecordedEvent } from '../event-store.port';

/**
 * Pure translation between Shiplog's envelope and EventStoreDB events, kept apart from the driver so it is
 * unit-tested without a server. ESDB stores id, type, data and a metadata blob per event; the rest of the
 * envelope (Shiplog id, timestamps, schema version, actor, hashes) travels in that metadata.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ESDB event ids must be UUIDs; other Shiplog ids (deterministic command ids) map to a stable name-based UUID. */
export const esdbEventId = (id: string): string => {
  if (UUID.test(id)) return id.toLowerCase();
  const hex = createHash('sha256').update(`shiplog-event-id:${id}`).digest('hex');
  // RFC 9562 UUIDv8 (custom): version nibble 8, variant 10xx.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** What Shiplog keeps in an ESDB event's metadata besides its own EventMetadata. */
type EnvelopeFields = { id: string; occurredAt: string; recordedAt: string; schemaVersion: number };
export type EsdbMetadata = EventMetadata & { shiplog: EnvelopeFields; $correlationId: string; $causationId?: string };

export type EsdbEventData = { id: string; contentType: 'application/json'; type: string; data: Record<string, unknown>; metadata: EsdbMetadata };

/** The event as Shiplog recorded it (hashes included), in the shape `appendToStream` takes. */
export const toEsdbEvent = (event: Omit<RecordedEvent, 'position' | 'stream' | 'revision'>): EsdbEventData => ({
  id: esdbEventId(event.id),
  contentType: 'application/json',
  type: event.type,
  data: event.data as Record<string, unknown>,
  metadata: {
    ...event.metadata,
    // ESDB's own correlation fields, so its tooling ($by_correlation_id) works on Shiplog streams too.
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId === undefined ? {} : { $causationId: event.metadata.causationId }),
    shiplog: { id: event.id, occurredAt: event.occurredAt, recordedAt: event.recordedAt, schemaVersion: event.schemaVersion },
  },
});

/** The subset of the driver's recorded event this module reads. */
export type EsdbRecorded = { streamId: string; id: string; revision: bigint; type: string; data: unknown; metadata: unknown; position?: { commit: bigint; prepare: bigint } | undefined };

/** Servers before 22.10 send no position on stream reads: the largest unsigned 64-bit value (or 0 from the driver's default). */
const UNKNOWN_POSITION = 2n ** 64n - 1n;

export class EsdbMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EsdbMappingError';
  }
}

export const esdbPosition = (event: EsdbRecorded): number => {
  const commit = event.position?.commit;
  if (commit === undefined || commit === UNKNOWN_POSITION || commit <= 0n) {
    throw new EsdbMappingError(`EventStoreDB gave no $all position for ${event.streamId}@${event.revision}: Shiplog needs EventStoreDB 22.10 or later (positions on stream reads)`);
  }
  if (commit > BigInt(Number.MAX_SAFE_INTEGER)) throw new EsdbMappingError(`$all position ${commit} is beyond 2^53`);
  return Number(commit);
};

export const isShiplogEnvelope = (metadata: unknown): boolean => {
  const meta = metadata as Partial<EsdbMetadata> | null | undefined;
  return typeof meta === 'object' && meta !== null && typeof meta.shiplog === 'object' && typeof meta.hash === 'string';
};

/** Shiplog's envelope from an ESDB event of `namespace` (the prefix every Shiplog stream name carries). */
export const fromEsdbEvent = (event: EsdbRecorded, namespace: string): RecordedEvent => {
  const meta = event.metadata as Partial<EsdbMetadata> | undefined;
  if (!isShiplogEnvelope(meta)) throw new EsdbMappingError(`Event ${event.id} in ${event.streamId} was not written by Shiplog (no envelope metadata)`);
  const { shiplog, $correlationId: _c, $causationId: _k, ...metadata } = meta as EsdbMetadata;
  return {
    id: shiplog.id,
    type: event.type,
    stream: event.streamId.slice(namespace.length),
    revision: Number(event.revision),
    position: esdbPosition(event),
    occurredAt: shiplog.occurredAt,
    recordedAt: shiplog.recordedAt,
    schemaVersion: shiplog.schemaVersion,
    data: event.data,
    metadata,
  };
};

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Streams that hold Shiplog's own bookkeeping (checkpoints, idempotency records, leases), never domain events. */
export const INTERNAL_STREAM_PREFIX = 'shiplog-internal-';

/**
 * Server-side filter of the $all subscription: this namespace's domain streams only — no `$` system streams,
 * no bookkeeping streams. A .NET regex (ESDB evaluates it), lookaheads included.
 */
export const domainStreamRegex = (namespace: string): string => `^${escapeRegex(namespace)}(?!\\$)(?!${escapeRegex(INTERNAL_STREAM_PREFIX)})`;

const domainStreamPatterns = new Map<string, RegExp>();

export const isDomainStream = (streamId: string, namespace: string): boolean => {
  let pattern = domainStreamPatterns.get(namespace);
  if (!pattern) domainStreamPatterns.set(namespace, (pattern = new RegExp(domainStreamRegex(namespace))));
  return pattern.test(streamId);
};

/** Glob as SQLite's GLOB does it for stream names: `*` any run, `?` one character, case-sensitive. */
const globRegex = (glob: string): RegExp => new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c))).join('')}$`);

/** The audit search, evaluated per event (ESDB has no secondary indexes on payloads to push it down to). */
export const searchPredicate = (search: EventSearch): ((event: RecordedEvent) => boolean) => {
  const globs = search.streamGlobs?.map(globRegex) ?? [];
  const types = search.types ?? [];
  const prefixes = search.typePrefixes ?? [];
  return (event) =>
    event.position > (search.afterPosition ?? 0) &&
    (globs.length === 0 || globs.some((glob) => glob.test(event.stream))) &&
    (types.length + prefixes.length === 0 || types.includes(event.type) || prefixes.some((prefix) => event.type.startsWith(prefix))) &&
    (search.actor === undefined || event.metadata.actor.id === search.actor || event.metadata.actor.name === search.actor) &&
    (search.recordedFrom === undefined || event.recordedAt >= search.recordedFrom) &&
    (search.recordedBefore === undefined || event.recordedAt < search.recordedBefore);
};

/** Idempotency records live in one stream per key (or per first event id when there is no key). */
export const idempotencyStream = (namespace: string, key: string): string =>
  `${INTERNAL_STREAM_PREFIX}${namespace}idempotency-${createHash('sha256').update(key).digest('hex')}`;

export const checkpointStream = (namespace: string, name: string): string => `${INTERNAL_STREAM_PREFIX}${namespace}checkpoint-${name}`;
