import type { Actor, AppendOptions, EventToAppend, RecordedEvent } from './event-store.port';
import { eventHash } from './hash-chain';
import type { EventSerializer } from './serializer';

const UNKNOWN_ACTOR: Actor = { kind: 'system', id: 'system', name: 'system' };

export type StreamHead = { revision: number; hash: string };

/**
 * The envelopes of an append, chained onto the stream's head: what every adapter stores (positions are the
 * adapter's). One function, so SQLite and EventStoreDB hash exactly the same fields.
 */
export const recordEvents = (input: {
  stream: string;
  events: readonly EventToAppend[];
  ids: readonly string[];
  options: AppendOptions;
  head: StreamHead;
  recordedAt: string;
  serializer: EventSerializer;
}): Omit<RecordedEvent, 'position'>[] => {
  const { stream, events, ids, options, head, recordedAt, serializer } = input;
  const firstExplicitId = events[0]?.id;
  let prevHash = head.hash;
  return events.map((event, i) => {
    const id = ids[i]!;
    const metadata = {
      actor: options.actor ?? UNKNOWN_ACTOR,
      correlationId: options.correlationId ?? firstExplicitId ?? id,
      ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      ...(options.requestHash === undefined ? {} : { requestHash: options.requestHash }),
    };
    const unhashed = {
      id,
      type: event.type,
      stream,
      revision: head.revision + 1 + i,
      occurredAt: event.occurredAt ?? recordedAt,
      recordedAt,
      schemaVersion: event.schemaVersion ?? serializer.currentVersion(event.type),
      data: event.data,
      metadata,
    };
    const recorded = { ...unhashed, metadata: { ...metadata, prevHash, hash: eventHash(prevHash, unhashed) } };
    prevHash = recorded.metadata.hash;
    return recorded;
  });
};
