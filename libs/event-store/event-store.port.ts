import type { LeaseFence } from './lease.port';

/** Who caused an event: auditors can always answer "who" (DESIGN §3, §6). */
export type Actor = { kind: 'token' | 'slack' | 'system' | 'ci' | 'anonymous'; id: string; name: string };

export type EventMetadata = {
  actor: Actor;
  correlationId: string;
  causationId?: string;
  idempotencyKey?: string;
  /** sha256 of the previous event in the same stream (64 zeros for the first). */
  prevHash: string;
  /** sha256(prevHash + canonical JSON of this event without the hashes). */
  hash: string;
  /** Fingerprint of the request that carried `idempotencyKey`, to refuse the key's reuse for another request. */
  requestHash?: string;
};

/** The envelope every adapter stores (DESIGN §3). Revisions are per stream and 0-based; positions are global, from 1. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  stream: string;
  revision: number;
  position: number;
  occurredAt: string;
  recordedAt: string;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
}

/** The recorded form of a domain event union, kept discriminated by `type`. */
export type Recorded<E extends { type: string; data: unknown }> = E extends unknown ? RecordedEvent<E['type'], E['data']> : never;

export type EventToAppend = {
  /** Defaults to a fresh UUIDv7; pass a deterministic id to make a retried append a no-op. */
  id?: string;
  type: string;
  data: object;
  /** Defaults to recordedAt. */
  occurredAt?: string;
  /** Defaults to the serializer's current version for the type. */
  schemaVersion?: number;
};

/** -1 (or 'no_stream'): the stream must not exist; n: its last revision must be n; 'any': no check. */
export type ExpectedRevision = number | 'no_stream' | 'any';

export const NO_STREAM = -1;

export type AppendOptions = {
  expectedRevision: ExpectedRevision;
  actor?: Actor;
  correlationId?: string;
  causationId?: string;
  idempotencyKey?: string;
  requestHash?: string;
};

export type AppendResult = {
  stream: string;
  /** The stream's last revision after the append (unchanged when nothing was written). */
  revision: number;
  /** The global position of the last event written (or found, when already appended); 0 when nothing was written. */
  position: number;
  events: RecordedEvent[];
  /** True when every event id was already stored: the append was a retry and wrote nothing. */
  alreadyAppended: boolean;
};

export type ReadStreamOptions = { direction?: 'forwards' | 'backwards'; fromRevision?: number; maxCount?: number };
export type StreamRead = { events: RecordedEvent[]; revision: number };

export type SubscriptionHandler = (events: readonly RecordedEvent[]) => Promise<void>;

export type SubscribeOptions = {
  /** Resume after this position (exclusive). Ignored when `checkpointName` has a stored checkpoint. */
  fromPosition?: number;
  /**
   * Store the checkpoint under this name in the event store as batches are handled (SQLite: at most every 250 ms,
   * and when stopping): a restart re-delivers what came after it (at-least-once; handlers are idempotent).
   */
  checkpointName?: string;
  /** Checkpoint writes succeed only while this lease term is held (see lease.port.ts). */
  fence?: LeaseFence;
  batchSize?: number;
  /**
   * After a batch that caught up, the next read comes no earlier than this long after the previous one began (default
   * 0). On a busy store what was appended meanwhile is then handed over as one batch: a projection commits once for it
   * instead of once per append. A quiet store's next event is still handed over at once (the interval is over by then).
   */
  minBatchIntervalMs?: number;
  handler: SubscriptionHandler;
  onError?: (error: unknown, attempt: number) => void;
};

export interface Subscription {
  /** Position of the last event handled. */
  readonly position: number;
  stop(): Promise<void>;
}

/** Audit search: every condition optional; `streamGlobs` use `*` as wildcard (names never contain it). */
export type EventSearch = {
  streamGlobs?: readonly string[];
  types?: readonly string[];
  typePrefixes?: readonly string[];
  actor?: string;
  recordedFrom?: string;
  recordedBefore?: string;
  afterPosition?: number;
  limit: number;
};

export interface EventStore {
  append(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StreamRead>;
  /** Events after `fromPosition` (exclusive), in global order. */
  readAll(fromPosition?: number, maxCount?: number): Promise<RecordedEvent[]>;
  headPosition(): Promise<number>;
  /** Events matching all given conditions, in global order. */
  searchEvents(search: EventSearch): Promise<RecordedEvent[]>;
  /** The events of an earlier append made with this idempotency key, or null. */
  findByIdempotencyKey(key: string): Promise<RecordedEvent[] | null>;
  subscribeToAll(options: SubscribeOptions): Subscription;
  readCheckpoint(name: string): Promise<number | null>;
  /** Wake-up signal for in-process subscribers; returns the unsubscribe function. */
  onAppended(listener: (position: number) => void): () => void;
  close(): Promise<void>;
}

/**
 * Copies recorded events as they are — ids, streams, revisions, timestamps, schema versions, payloads and hashes —
 * in the given (global) order; positions are the target's own. Used by `shiplog migrate`. Refuses an event whose
 * revision does not follow its stream's head or whose prevHash is not the head's hash, so a copy keeps the chain.
 */
export interface EventImporter {
  importEvents(events: readonly RecordedEvent[]): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
