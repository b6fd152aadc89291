import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM as ESDB_NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AllStreamSubscription,
  type EventData,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { EventEmitter } from 'node:events';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EventStoreClosed, PartialDuplicateAppend, WrongExpectedRevision } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventImporter,
  EventSearch,
  EventStore,
  EventToAppend,
  ReadStreamOptions,
  RecordedEvent,
  StreamRead,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { NO_STREAM } from '../event-store.port';
import { GENESIS_HASH } from '../hash-chain';
import { recordEvents } from '../record-events';
import { LeaseLost, type LeaseFence, type LeaseGrant, type LeaseStore } from '../lease.port';
import { systemClock, uuidv7Generator } from '../ids';
import { createSerializer, type EventSerializer } from '../serializer';
import {
  checkpointStream,
  domainStreamRegex,
  esdbEventId,
  fromEsdbEvent,
  idempotencyStream,
  INTERNAL_STREAM_PREFIX,
  isDomainStream,
  searchPredicate,
  toEsdbEvent,
  type EsdbRecorded,
} from './esdb-mapping';

export type EsdbEventStoreOptions = {
  clock?: Clock;
  ids?: IdGenerator;
  serializer?: EventSerializer;
  /** Prefix of every Shiplog stream name: several installations (or test runs) can share one cluster. */
  namespace?: string;
  /** Deadline of each read/append call, ms (keep-alive comes from the connection string). */
  deadlineMs?: number;
  /** Appends with expectedRevision 'any' read the head (for the hash chain) and retry when another writer won. */
  maxAnyRetries?: number;
};

/** One record per idempotent append: which events it wrote, so a retry — even after a restart — finds them. */
type IdempotencyRecord = { stream: string; ids: string[]; requestHash?: string };
const RECORD_TYPE = 'shiplog.idempotency_recorded';
const CHECKPOINT_TYPE = 'shiplog.checkpoint_stored';
const LEASE_TYPE = 'shiplog.lease_granted';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isDuplicateAppend = (error: unknown) => error instanceof WrongExpectedVersionError;

/**
 * Event store on EventStoreDB (22.10+). Streams map one to one (under an optional namespace prefix); global
 * positions are $all commit positions (monotonic, not dense). What ESDB does not give, Shiplog adds on top:
 * a durable idempotency record per append (ESDB's id dedupe is a bounded cache), the per-stream hash chain,
 * and checkpoints in their own streams (kept to the last one by $maxCount).
 */
export class EsdbEventStore implements EventStore, EventImporter, LeaseStore {
  private readonly emitter = new EventEmitter();
  private readonly subscriptions = new Set<{ stop(): Promise<void> }>();
  private readonly namespace: string;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly serializer: EventSerializer;
  private readonly deadline: number;
  private closed = false;

  /** `connectionString`: e.g. esdb://localhost:2113?tls=false&keepAliveInterval=10000&keepAliveTimeout=10000 */
  static async connect(connectionString: string, options: EsdbEventStoreOptions = {}): Promise<EsdbEventStore> {
    const store = new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
    await store.headPosition(); // fail fast with the driver's message when the cluster is unreachable
    return store;
  }

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions,
  ) {
    this.namespace = options.namespace ?? '';
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? uuidv7Generator(this.clock);
    this.serializer = options.serializer ?? createSerializer({});
    this.deadline = options.deadlineMs ?? 10_000;
    this.maxAnyRetries = options.maxAnyRetries ?? 50;
    this.emitter.setMaxListeners(0);
  }

  private readonly maxAnyRetries: number;

  private physical(stream: string): string {
    return `${this.namespace}${stream}`;
  }

  private toRecorded(event: EsdbRecorded): RecordedEvent {
    const stored = fromEsdbEvent(event, this.namespace);
    return { ...stored, ...this.serializer.upcast(stored.type, stored.schemaVersion, stored.data as Record<string, unknown>) };
  }

  /** Reads a physical stream as raw ESDB events; a missing stream is empty. */
  private async readRaw(stream: string, options: { direction?: 'forwards' | 'backwards'; fromRevision?: number; maxCount?: number } = {}): Promise<EsdbRecorded[]> {
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      deadline: this.deadline,
    });
    const events: EsdbRecorded[] = [];
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) if (resolved.event) events.push(resolved.event as EsdbRecorded);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  private async head(stream: string): Promise<{ revision: number; hash: string }> {
    const [last] = await this.readRaw(this.physical(stream), { direction: 'backwards', maxCount: 1 });
    return last ? { revision: Number(last.revision), hash: (last.metadata as { hash: string }).hash } : { revision: NO_STREAM, hash: GENESIS_HASH };
  }

  async append(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const ids = events.map((event) => event.id ?? this.ids.next());
    const explicitIds = events.some((event) => event.id !== undefined);
    const key = options.idempotencyKey ?? (explicitIds ? `id:${ids[0]}` : undefined);
    if (key !== undefined && events.length > 0) {
      const earlier = await this.earlierAppend(stream, key, ids, options.idempotencyKey !== undefined);
      if (earlier) return earlier;
      const owner = await this.reserve(key, { stream, ids, ...(options.requestHash === undefined ? {} : { requestHash: options.requestHash }) });
      // Another request holds the record: it is appending these events right now, or it crashed before it could.
      for (let wait = 0; !owner && wait < 20; wait += 1) {
        await sleep(100);
        const won = await this.earlierAppend(stream, key, ids, options.idempotencyKey !== undefined);
        if (won) return won;
      }
    }
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0 && key !== undefined) {
        // A concurrent append of the same ids may be the one that moved the head.
        const won = await this.earlierAppend(stream, key, ids, options.idempotencyKey !== undefined);
        if (won) return won;
      }
      const head = await this.head(stream);
      const expected = options.expectedRevision;
      const matches = expected === 'any' || (expected === 'no_stream' ? head.revision === NO_STREAM : expected === head.revision);
      if (!matches) {
        // A concurrent retry of the same idempotent append may have won: that is a success, not a conflict.
        const won = key === undefined ? null : await this.earlierAppend(stream, key, ids, options.idempotencyKey !== undefined);
        if (won) return won;
        throw new WrongExpectedRevision(stream, expected, head.revision);
      }
      if (events.length === 0) return { stream, revision: head.revision, position: 0, events: [], alreadyAppended: false };
      const recorded = recordEvents({ stream, events, ids, options, head, recordedAt: this.clock.now().toISOString(), serializer: this.serializer });
      try {
        await this.client.appendToStream(this.physical(stream), recorded.map(toEsdbEvent) as EventData[], {
          expectedRevision: head.revision === NO_STREAM ? ESDB_NO_STREAM : BigInt(head.revision),
          deadline: this.deadline,
        });
      } catch (error) {
        if (!isDuplicateAppend(error)) throw error;
        // Lost the revision to another writer: 'any' re-reads the head and chains onto it; exact revisions fail.
        if (expected === 'any' && attempt < this.maxAnyRetries) {
          await sleep(Math.random() * 5 * (attempt + 1));
          continue;
        }
        const won = key === undefined ? null : await this.earlierAppend(stream, key, ids, options.idempotencyKey !== undefined);
        if (won) return won;
        throw new WrongExpectedRevision(stream, expected, (await this.head(stream)).revision);
      }
      // Read back: the stored events carry their $all positions (one read per append, not per event).
      const written = (await this.readRaw(this.physical(stream), { fromRevision: head.revision + 1, maxCount: events.length })).map((e) => this.toRecorded(e));
      this.emitter.emit('appended', written[written.length - 1]!.position);
      return { stream, revision: head.revision + events.length, position: written[written.length - 1]!.position, events: written, alreadyAppended: false };
    }
  }

  /** Writes the idempotency record first (no_stream: one per key); false when another request wrote it. */
  private async reserve(key: string, record: IdempotencyRecord): Promise<boolean> {
    try {
      await this.client.appendToStream(idempotencyStream(this.namespace, key), [{ id: esdbEventId(this.ids.next()), contentType: 'application/json', type: RECORD_TYPE, data: record, metadata: undefined }] as EventData[], {
        expectedRevision: ESDB_NO_STREAM,
        deadline: this.deadline,
      });
      return true;
    } catch (error) {
      if (!isDuplicateAppend(error)) throw error;
      return false;
    }
  }

  private async readRecord(key: string): Promise<IdempotencyRecord | null> {
    const [first] = await this.readRaw(idempotencyStream(this.namespace, key), { maxCount: 1 });
    return first ? (first.data as IdempotencyRecord) : null;
  }

  /**
   * The events an earlier append with this key (or these ids) stored, or null when there was none or it never
   * reached the stream (a crash between record and append: the caller appends them now, under the same ids).
   */
  private async earlierAppend(stream: string, key: string, ids: readonly string[], byKey: boolean): Promise<AppendResult | null> {
    const record = await this.readRecord(key);
    if (!record) return null;
    if (!byKey && (record.stream !== stream || record.ids.length !== ids.length || record.ids.some((id, i) => id !== ids[i]))) {
      throw new PartialDuplicateAppend(stream, record.ids.filter((id) => ids.includes(id)));
    }
    const stored = await this.findEvents(record.stream, record.ids);
    if (!stored) return null;
    return { stream: record.stream, revision: (await this.head(record.stream)).revision, position: stored[stored.length - 1]!.position, events: stored, alreadyAppended: true };
  }

  /** Finds events by id near the stream's head (retries come soon), paging backwards to the start if needed. */
  private async findEvents(stream: string, ids: readonly string[]): Promise<RecordedEvent[] | null> {
    const first = esdbEventId(ids[0]!);
    let from: number | undefined;
    for (;;) {
      const page = await this.readRaw(this.physical(stream), { direction: 'backwards', ...(from === undefined ? {} : { fromRevision: from }), maxCount: 200 });
      const hit = page.find((event) => event.id === first);
      if (hit) {
        const events = await this.readRaw(this.physical(stream), { fromRevision: Number(hit.revision), maxCount: ids.length });
        return events.map((event) => this.toRecorded(event));
      }
      const last = page[page.length - 1];
      if (!last || last.revision === 0n) return null;
      from = Number(last.revision) - 1;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StreamRead> {
    this.assertOpen();
    const events = await this.readRaw(this.physical(stream), {
      ...(options.direction === undefined ? {} : { direction: options.direction }),
      ...(options.fromRevision === undefined ? {} : { fromRevision: options.fromRevision }),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    return { events: events.map((event) => this.toRecorded(event)), revision: (await this.head(stream)).revision };
  }

  /**
   * $all reads have no server-side filter: pages are read and non-Shiplog events dropped until `maxCount`
   * domain events are found or the log ends (a page of only system events must not look like the end).
   */
  private async scanAll(fromPosition: number, maxCount: number, keep: (event: RecordedEvent) => boolean, direction: 'forwards' | 'backwards' = 'forwards'): Promise<RecordedEvent[]> {
    const forwards = direction === 'forwards';
    const found: RecordedEvent[] = [];
    // Reads from a position include it: every page skips what the previous one (or the caller) already saw.
    let boundary: bigint | null = forwards ? BigInt(fromPosition) : null;
    let cursor: Position | typeof START | typeof END = !forwards ? END : fromPosition > 0 ? { commit: BigInt(fromPosition), prepare: BigInt(fromPosition) } : START;
    const pageSize = Math.min(Math.max(maxCount, 100), 4_096);
    for (;;) {
      const read = this.client.readAll({ direction: forwards ? FORWARDS : BACKWARDS, fromPosition: cursor, maxCount: pageSize, deadline: this.deadline });
      let seen = 0;
      let last: Position | undefined;
      for await (const resolved of read) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        const commit = event.position.commit;
        if (boundary !== null && (forwards ? commit <= boundary : commit >= boundary)) continue;
        last = event.position;
        if (!isDomainStream(event.streamId, this.namespace)) continue;
        const recorded = this.toRecorded(event as EsdbRecorded);
        if (keep(recorded)) found.push(recorded);
        if (found.length >= maxCount) {
          await read.cancel();
          return found;
        }
      }
      if (seen < pageSize || !last) return found;
      cursor = last;
      boundary = last.commit;
    }
  }

  async readAll(fromPosition = 0, maxCount = 1_000): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.scanAll(fromPosition, maxCount, () => true);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    const [last] = await this.scanAll(0, 1, () => true, 'backwards');
    return last?.position ?? 0;
  }

  async searchEvents(search: EventSearch): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.scanAll(search.afterPosition ?? 0, search.limit, searchPredicate(search));
  }

  async findByIdempotencyKey(key: string): Promise<RecordedEvent[] | null> {
    this.assertOpen();
    const record = await this.readRecord(key);
    return record ? this.findEvents(record.stream, record.ids) : null;
  }

  async readCheckpoint(name: string): Promise<number | null> {
    this.assertOpen();
    const [last] = await this.readRaw(checkpointStream(this.namespace, name), { direction: 'backwards', maxCount: 1 });
    return last ? (last.data as { position: number }).position : null;
  }

  private leaseStream(name: string): string {
    return `${INTERNAL_STREAM_PREFIX}${this.namespace}lease-${name}`;
  }

  private async leaseHead(name: string): Promise<{ revision: number; lease: LeaseGrant | null }> {
    const [last] = await this.readRaw(this.leaseStream(name), { direction: 'backwards', maxCount: 1 });
    return last ? { revision: Number(last.revision), lease: last.data as LeaseGrant } : { revision: NO_STREAM, lease: null };
  }

  /** Compare-and-set on the lease stream's revision: of two replicas racing for a free lease, one append wins. */
  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseGrant | null> {
    this.assertOpen();
    const { revision, lease } = await this.leaseHead(name);
    if (lease && lease.holder !== holder && lease.expiresAt > now.toISOString()) return null;
    const grant: LeaseGrant = { name, holder, term: !lease ? 1 : lease.holder === holder ? lease.term : lease.term + 1, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    try {
      await this.client.appendToStream(this.leaseStream(name), [{ id: esdbEventId(this.ids.next()), contentType: 'application/json', type: LEASE_TYPE, data: grant, metadata: undefined }] as EventData[], {
        expectedRevision: revision === NO_STREAM ? ESDB_NO_STREAM : BigInt(revision),
        deadline: this.deadline,
      });
    } catch (error) {
      if (isDuplicateAppend(error)) return null;
      throw error;
    }
    if (revision === NO_STREAM) await this.client.setStreamMetadata(this.leaseStream(name), { maxCount: 10 }, { deadline: this.deadline });
    return grant;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.assertOpen();
    const { revision, lease } = await this.leaseHead(name);
    if (!lease || lease.holder !== holder) return;
    const released: LeaseGrant = { ...lease, expiresAt: new Date(0).toISOString() };
    await this.client
      .appendToStream(this.leaseStream(name), [{ id: esdbEventId(this.ids.next()), contentType: 'application/json', type: LEASE_TYPE, data: released, metadata: undefined }] as EventData[], {
        expectedRevision: BigInt(revision),
        deadline: this.deadline,
      })
      .catch((error: unknown) => {
        if (!isDuplicateAppend(error)) throw error; // someone took it over meanwhile: nothing to release
      });
  }

  /**
   * ESDB has no transaction across the lease and checkpoint streams: the term is checked just before the write.
   * The window is one round trip; effects are idempotent (keyed by event ids) for what slips through it.
   */
  private async writeCheckpoint(name: string, position: number, fence?: LeaseFence): Promise<void> {
    if (fence) {
      const { lease } = await this.leaseHead(fence.lease);
      if (!lease || lease.holder !== fence.holder || lease.term !== fence.term) throw new LeaseLost(fence);
    }
    const stream = checkpointStream(this.namespace, name);
    const result = await this.client.appendToStream(stream, [{ id: esdbEventId(this.ids.next()), contentType: 'application/json', type: CHECKPOINT_TYPE, data: { position }, metadata: undefined }] as EventData[], {
      expectedRevision: ANY,
      deadline: this.deadline,
    });
    // Only the last checkpoint matters: $maxCount lets scavenging drop the older ones.
    if (result.nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 }, { deadline: this.deadline });
  }

  /**
   * A catch-up subscription to $all with a server-side stream-name filter (no system or bookkeeping streams),
   * resumed after the stored checkpoint. Events are handed over in batches; a failing handler retries the same
   * batch with backoff; a dropped connection resubscribes from the last handled position, with backoff.
   */
  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const batchSize = options.batchSize ?? 500;
    let position = options.fromPosition ?? 0;
    let running = true;
    let current: AllStreamSubscription | null = null;
    const backoff = (attempt: number) => sleep(Math.min(30_000, 100 * 2 ** Math.min(attempt, 10)));

    const handle = async (batch: RecordedEvent[]) => {
      for (let attempt = 1; running; attempt += 1) {
        try {
          await options.handler(batch);
          const last = batch[batch.length - 1]!.position;
          if (options.checkpointName !== undefined) await this.writeCheckpoint(options.checkpointName, last, options.fence);
          position = last;
          return;
        } catch (error) {
          options.onError?.(error, attempt);
          await backoff(attempt);
        }
      }
    };

    const run = async () => {
      if (options.checkpointName !== undefined) position = (await this.readCheckpoint(options.checkpointName)) ?? position;
      for (let attempt = 1; running; attempt += 1) {
        try {
          current = this.client.subscribeToAll({
            fromPosition: position > 0 ? { commit: BigInt(position), prepare: BigInt(position) } : START,
            filter: streamNameFilter({ regex: domainStreamRegex(this.namespace) }),
          });
          let batch: RecordedEvent[] = [];
          for await (const resolved of current) {
            if (!running) break;
            if (!resolved.event || !isDomainStream(resolved.event.streamId, this.namespace)) continue;
            const event = this.toRecorded(resolved.event as EsdbRecorded);
            if (event.position <= position) continue; // resubscribed: already handled
            batch.push(event);
            // Hand over when the batch is full or nothing else is buffered (caught up for now).
            if (batch.length >= batchSize || current.readableLength === 0) {
              await handle(batch);
              batch = [];
            }
          }
          if (batch.length > 0) await handle(batch);
          attempt = 0;
        } catch (error) {
          if (!running) return;
          options.onError?.(error, attempt);
          await backoff(attempt);
        }
      }
    };
    const done = run();
    const subscription = {
      get position() {
        return position;
      },
      stop: async () => {
        running = false;
        await (current as AllStreamSubscription | null)?.unsubscribe();
        this.subscriptions.delete(subscription);
        await done.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Copies recorded events as they are (ids, timestamps, payloads, hashes). Everything is checked against the
   * stream heads first, so a refused call writes nothing; then each run of one stream is one append at the exact
   * expected revision (ESDB has no transaction across streams: an I/O failure midway leaves a prefix, which
   * `shiplog migrate --resume` continues).
   */
  async importEvents(events: readonly RecordedEvent[]): Promise<void> {
    this.assertOpen();
    const heads = new Map<string, { revision: number; hash: string }>();
    const runs: { stream: string; expected: number; events: RecordedEvent[] }[] = [];
    for (const event of events) {
      const { stream } = event;
      const head = heads.get(stream) ?? (await this.head(stream));
      if (event.revision !== head.revision + 1) throw new Error(`Cannot import ${stream} revision ${event.revision}: the target stream is at revision ${head.revision}`);
      if (event.metadata.prevHash !== head.hash) throw new Error(`Cannot import ${stream} revision ${event.revision}: its prevHash does not match the target stream's last hash`);
      heads.set(stream, { revision: event.revision, hash: event.metadata.hash });
      const run = runs[runs.length - 1];
      if (run?.stream === stream) run.events.push(event);
      else runs.push({ stream, expected: head.revision, events: [event] });
    }
    for (const run of runs) {
      await this.client.appendToStream(this.physical(run.stream), run.events.map(toEsdbEvent) as EventData[], {
        expectedRevision: run.expected === NO_STREAM ? ESDB_NO_STREAM : BigInt(run.expected),
        deadline: this.deadline,
      });
    }
    const last = events[events.length - 1];
    if (last) this.emitter.emit('appended', await this.headPosition());
  }

  onAppended(listener: (position: number) => void): () => void {
    this.emitter.on('appended', listener);
    return () => this.emitter.off('appended', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}
