import { createHash } from 'node:crypto';
import { IdempotencyKeyReused } from '../../domain/shared/domain-error';
import { canonicalJson } from '../../event-store/canonical-json';
import { NO_STREAM, type EventStore, type Recorded, type RecordedEvent } from '../../event-store/event-store.port';
import { deterministicEventId } from '../../event-store/ids';
import type { CommandMeta } from './command-meta';
import { retryOnConflict } from './retry-on-conflict';

type AnyEvent = { type: string; data: object };

export type StreamModel<S, E extends AnyEvent> = { initialState: S; evolve: (state: S, event: E) => S };

export type StreamCommandResult<S, E extends AnyEvent> =
  /** New events were appended (or, with `replayed`, an earlier request with the same idempotency key had appended them). */
  | { kind: 'appended'; events: Recorded<E>[]; position: number; replayed: boolean }
  /** The decision was empty: the command repeated what the stream already records. */
  | { kind: 'unchanged'; state: S; revision: number };

/** Fingerprint of a request, stored with its idempotency key so the key cannot be reused for another request. */
export const requestHash = (request: unknown): string => createHash('sha256').update(canonicalJson(request)).digest('hex');

/**
 * Folded stream states by stream id and revision. Handlers read only the events after the cached revision,
 * so a long-lived lane costs one short read per command instead of a full replay. States are immutable.
 */
export class StreamStateCache {
  private readonly entries = new Map<string, { revision: number; state: unknown }>();

  constructor(private readonly capacity = 10_000) {}

  get<S>(stream: string): { revision: number; state: S } | undefined {
    const entry = this.entries.get(stream);
    if (!entry) return undefined;
    this.entries.delete(stream); // re-insert: Map order is the LRU order
    this.entries.set(stream, entry);
    return entry as { revision: number; state: S };
  }

  set(stream: string, revision: number, state: unknown): void {
    this.entries.delete(stream);
    this.entries.set(stream, { revision, state });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Loads a stream's current state: cached state plus the events appended since. With `atLeastRevision` (a reactor
 * reacting to the event at that revision needs a state that holds it), a cached state at or past it is taken as it is.
 */
export const loadStream = async <S, E extends AnyEvent>(
  store: EventStore,
  cache: StreamStateCache,
  stream: string,
  model: StreamModel<S, E>,
  atLeastRevision?: number,
): Promise<{ state: S; revision: number }> => {
  const cached = cache.get<S>(stream);
  if (cached && atLeastRevision !== undefined && cached.revision >= atLeastRevision) return cached;
  const { events, revision } = await store.readStream(stream, cached ? { fromRevision: cached.revision + 1 } : {});
  const state = (events as unknown as E[]).reduce(model.evolve, cached?.state ?? model.initialState);
  if (revision >= 0) cache.set(stream, revision, state);
  return { state, revision };
};

/** A decision to append something, else null: nothing to append, or refused (the caller decides again on fresh state). */
const decideOrNull = <S, E>(decide: (state: S) => E[], state: S): E[] | null => {
  try {
    const decided = decide(state);
    return decided.length > 0 ? decided : null;
  } catch {
    return null;
  }
};

/**
 * The one way a command changes a stream: load → decide → append, re-deciding on a concurrent write.
 * With an idempotency key, a repeated request (`meta.request`, fingerprinted) returns what the first one appended (the same request) or
 * fails with IdempotencyKeyReused (a different request); event ids derive from the key, so even two
 * concurrent requests with one key append once.
 */
export const executeOnStream = async <S, E extends AnyEvent>(
  store: EventStore,
  cache: StreamStateCache,
  stream: string,
  model: StreamModel<S, E>,
  decide: (state: S) => E[],
  { request, ...meta }: CommandMeta & { request?: unknown },
): Promise<StreamCommandResult<S, E>> => {
  const key = meta.idempotencyKey;
  // Only a key can be reused for another request, so only then is the request fingerprinted.
  const fingerprint = key === undefined || request === undefined ? {} : { requestHash: requestHash(request) };
  const replay = (events: RecordedEvent[]): StreamCommandResult<S, E> => {
    if (key !== undefined && events[0]?.metadata.requestHash !== fingerprint.requestHash) throw new IdempotencyKeyReused(key);
    return { kind: 'appended', events: events as Recorded<E>[], position: events[events.length - 1]!.position, replayed: true };
  };
  if (key !== undefined) {
    const earlier = await store.findByIdempotencyKey(key);
    if (earlier) return replay(earlier);
  }
  return retryOnConflict(async (attempt) => {
    // A cached state is decided on without reading the store first: had another process appended since, the
    // append's expected revision fails and the retry reads. An empty decision or a refusal (a thrown DomainError)
    // appends nothing to catch that, so either is only given on a state read now.
    const cached = attempt === 1 ? cache.get<S>(stream) : undefined;
    const decidedOnCache = cached === undefined ? null : decideOrNull(decide, cached.state);
    const { state, revision } = cached !== undefined && decidedOnCache !== null ? cached : await loadStream(store, cache, stream, model);
    const decided = decidedOnCache ?? decide(state);
    if (decided.length === 0) return { kind: 'unchanged', state, revision };
    const result = await store.append(
      stream,
      decided.map((event, i) => ({
        type: event.type,
        data: event.data,
        ...('occurred_at' in event.data && typeof event.data.occurred_at === 'string' ? { occurredAt: event.data.occurred_at } : {}),
        ...(key === undefined ? {} : { id: deterministicEventId(key, i) }),
      })),
      { expectedRevision: revision, ...meta, ...fingerprint },
    );
    if (result.alreadyAppended) return replay(result.events);
    // Someone (a reactor) may have loaded the stream past these events while the append was in flight: their state
    // already holds them (evolving ours again would branch the lane's shared add-only maps, a full copy).
    if ((cache.get<S>(stream)?.revision ?? NO_STREAM) < result.revision) cache.set(stream, result.revision, decided.reduce(model.evolve, state));
    return { kind: 'appended', events: result.events as Recorded<E>[], position: result.position, replayed: false };
  });
};

/**
 * For a duplicate report: the event that recorded `type` for the entity `owns` matches, else the entity's
 * latest event. Reads backwards, since duplicates almost always concern recent events.
 */
export const findRecorded = async <E extends RecordedEvent>(store: EventStore, stream: string, owns: (event: E) => boolean, type: string): Promise<E> => {
  const { events } = await store.readStream(stream, { direction: 'backwards' });
  const mine = (events as E[]).filter(owns);
  return mine.find((e) => e.type === type) ?? mine[0]!;
};
