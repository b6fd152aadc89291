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
  isShiplogEnvelope,
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
type IdempotencyRecord = { stream: string; ids: string[]; requestHash?: string; reservedAt: string };
/** How long a record whose events are not stored yet is left to the request that wrote it (it may be appending). */
const RESERVATION_GRACE_MS = 2_000;
const RECORD_TYPE = 'shiplog.idempotency_recorded';
const CHECKPOINT_TYPE = 'shiplog.checkpoint_stored';
const LEASE_TYPE = 'shiplog.lease_granted';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isWrongExpectedVersion = (error: unknown) => error instanceof WrongExpectedVersionError;

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
    const client = EventStoreDBClient.connectionString(connectionString);
    const store = new EsdbEventStore(client, options);
    try {
      // One cheap read reaches the cluster: fail fast with the driver's message when it is unreachable.
      await store.drain(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }), () => undefined);
    } catch (error) {
      await client.dispose();
      throw error;
    }
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

  /**
   * Consumes a read within the deadline. The driver ignores `deadline` on streaming reads, so a timer cancels
   * a read that hangs (a partitioned node) and the caller gets an error instead of waiting forever.
   */
  private async drain<E>(read: AsyncIterable<E> & { cancel(): Promise<void> }, each: (item: E) => boolean | void): Promise<void> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void read.cancel();
    }, this.deadline);
    try {
      for await (const item of read) if (each(item) === false) return void (await read.cancel());
    } catch (error) {
      if (timedOut) throw new Error(`EventStoreDB read exceeded its ${this.deadline} ms deadline`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new Error(`EventStoreDB read exceeded its ${this.deadline} ms deadline`);
  }

  /** Reads a physical stream as raw ESDB events; a missing stream is empty. */
  private async readRaw(stream: string, options: { direction?: 'forwards' | 'backwards'; fromRevision?: number; maxCount?: number } = {}): Promise<EsdbRecorded[]> {
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    const events: EsdbRecorded[] = [];
    try {
      await this.drain(read as AsyncIterable<ResolvedEvent> & { cancel(): Promise<void> }, (resolved) => void (resolved.event && events.push(resolved.event as EsdbRecorded)));
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
    const key = events.length === 0 ? undefined : (options.idempotencyKey ?? (explicitIds ? `id:${ids[0]}` : undefined));
    const byKey = options.idempotencyKey !== undefined;
    if (key !== undefined) {
      const claimed = await this.claim(key, { stream, ids, ...(options.requestHash === undefined ? {} : { requestHash: options.requestHash }) }, byKey);
      if (claimed) return claimed;
    }
    try {
      return await this.appendClaimed(stream, events, ids, options, key, byKey);
    } catch (error) {
      // Let a retry take the record over at once instead of waiting for a request that has given up.
      if (key !== undefined) await this.releaseRecord(key).catch(() => undefined);
      throw error;
    }
  }

  private async appendClaimed(stream: string, events: readonly EventToAppend[], ids: readonly string[], options: AppendOptions, key: string | undefined, byKey: boolean): Promise<AppendResult> {
    const expected = options.expectedRevision;
    for (let attempt = 0; ; attempt += 1) {
      const head = await this.head(stream);
      const matches = expected === 'any' || (expected === 'no_stream' ? head.revision === NO_STREAM : expected === head.revision);
      if (!matches) throw new WrongExpectedRevision(stream, expected, head.revision);
      if (events.length === 0) return { stream, revision: head.revision, position: 0, events: [], alreadyAppended: false };
      const recorded = recordEvents({ stream, events, ids, options, head, recordedAt: this.clock.now().toISOString(), serializer: this.serializer });
      try {
        await this.client.appendToStream(this.physical(stream), recorded.map(toEsdbEvent) as EventData[], {
          expectedRevision: head.revision === NO_STREAM ? ESDB_NO_STREAM : BigInt(head.revision),
          deadline: this.deadline,
        });
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error;
        // Lost the revision to another writer: 'any' re-reads the head and chains onto it; exact revisions fail.
        if (expected === 'any' && attempt < this.maxAnyRetries) {
          await sleep(Math.random() * 5 * (attempt + 1));
          continue;
        }
        const won = key === undefined ? null : await this.earlierAppend(key, ids, byKey);
        if (won) return won;
        throw new WrongExpectedRevision(stream, expected, (await this.head(stream)).revision);
      }
      // Read back: the stored events carry their $all positions (one read per append, not per event).
      const written = (await this.readRaw(this.physical(stream), { fromRevision: head.revision + 1, maxCount: events.length })).map((e) => this.toRecorded(e));
      this.emitter.emit('appended', written[written.length - 1]!.position);
      return { stream, revision: head.revision + events.length, position: written[written.length - 1]!.position, events: written, alreadyAppended: false };
    }
  }

  /**
   * Takes the idempotency record of `key` (compare-and-set on its stream's revision), or returns the earlier
   * append's events when they are stored. A record whose events are not stored belongs to a request in flight
   * (waited for, briefly), one that gave up (released), or one that crashed (taken over after the grace period).
   */
  private async claim(key: string, record: Omit<IdempotencyRecord, 'reservedAt'>, byKey: boolean): Promise<AppendResult | null> {
    for (let wait = 0; ; wait += 1) {
      const head = await this.readRecord(key);
      if (head?.record) {
        const earlier = await this.earlierFrom(head.record, record.ids, byKey);
        if (earlier) return earlier;
        const age = this.clock.now().getTime() - Date.parse(head.record.reservedAt);
        if (age < RESERVATION_GRACE_MS && wait < RESERVATION_GRACE_MS / 50) {
          await sleep(50);
          continue;
        }
      }
      try {
        await this.appendInternal(idempotencyStream(this.namespace, key), RECORD_TYPE, { ...record, reservedAt: this.clock.now().toISOString() }, head ? BigInt(head.revision) : ESDB_NO_STREAM);
        return null;
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error; // another request claimed it first: look again
      }
    }
  }

  private async releaseRecord(key: string): Promise<void> {
    await this.appendInternal(idempotencyStream(this.namespace, key), RECORD_TYPE, { released: true }, ANY);
  }

  private async appendInternal(stream: string, type: string, data: Record<string, unknown>, expectedRevision: bigint | typeof ESDB_NO_STREAM | typeof ANY) {
    return this.client.appendToStream(stream, [{ id: esdbEventId(this.ids.next()), contentType: 'application/json', type, data, metadata: undefined }] as EventData[], {
      expectedRevision,
      deadline: this.deadline,
    });
  }

  /** The last record of a key's stream; `record` is null when it was released. */
  private async readRecord(key: string): Promise<{ revision: number; record: IdempotencyRecord | null } | null> {
    const [last] = await this.readRaw(idempotencyStream(this.namespace, key), { direction: 'backwards', maxCount: 1 });
    if (!last) return null;
    const data = last.data as IdempotencyRecord | { released: true };
    return { revision: Number(last.revision), record: 'released' in data ? null : data };
  }

  private async earlierAppend(key: string, ids: readonly string[], byKey: boolean): Promise<AppendResult | null> {
    const head = await this.readRecord(key);
    return head?.record ? this.earlierFrom(head.record, ids, byKey) : null;
  }

  /** The events of an earlier append when they are stored; reusing some of its ids in another append is refused. */
  private async earlierFrom(record: IdempotencyRecord, ids: readonly string[], byKey: boolean): Promise<AppendResult | null> {
    const stored = await this.findEvents(record.stream, record.ids);
    if (!stored) return null;
    if (!byKey && (record.ids.length !== ids.length || record.ids.some((id, i) => id !== ids[i]))) {
      throw new PartialDuplicateAppend(record.stream, record.ids.filter((id) => ids.includes(id)));
    }
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
    const pageSize = forwards ? Math.min(Math.max(maxCount, 100), 4_096) : 4_096;
    for (;;) {
      let seen = 0;
      let last: Position | undefined;
      await this.drain(this.client.readAll({ direction: forwards ? FORWARDS : BACKWARDS, fromPosition: cursor, maxCount: pageSize }), (resolved) => {
        seen += 1;
        const event = resolved.event;
        if (!event || (boundary !== null && (forwards ? event.position.commit <= boundary : event.position.commit >= boundary))) return;
        last = event.position;
        const recorded = this.shiplogEvent(event as EsdbRecorded);
        if (recorded && keep(recorded)) found.push(recorded);
        return found.length < maxCount;
      });
      if (found.length >= maxCount || seen < pageSize || !last) return found;
      cursor = last;
      boundary = (last as Position).commit;
    }
  }

  /** A Shiplog event of this namespace, or null for anything else in the log (system, bookkeeping, foreign writers). */
  private shiplogEvent(event: EsdbRecorded): RecordedEvent | null {
    return isDomainStream(event.streamId, this.namespace) && isShiplogEnvelope(event.metadata) ? this.toRecorded(event) : null;
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
    const head = await this.readRecord(key);
    return head?.record ? this.findEvents(head.record.stream, head.record.ids) : null;
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
      if (isWrongExpectedVersion(error)) return null;
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
        if (!isWrongExpectedVersion(error)) throw error; // someone took it over meanwhile: nothing to release
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
    let wake: (() => void) | null = null;
    // Pauses (backoff, batch interval) end early on stop(), so closing the store never waits for a timer.
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    const backoff = (attempt: number) => pause(Math.min(30_000, 100 * 2 ** Math.min(attempt, 10)));
    const minBatchIntervalMs = options.minBatchIntervalMs ?? 0;

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
        const subscription = this.client.subscribeToAll(
          {
            fromPosition: position > 0 ? { commit: BigInt(position), prepare: BigInt(position) } : START,
            filter: streamNameFilter({ regex: domainStreamRegex(this.namespace) }),
          },
          // The stream buffers up to a batch, so a backlog is handed over in full batches.
          { highWaterMark: batchSize },
        );
        current = subscription;
        try {
          let batch: RecordedEvent[] = [];
          let batchStartedAt = Date.now();
          for await (const resolved of subscription) {
            if (!running) break;
            const event = resolved.event ? this.shiplogEvent(resolved.event as EsdbRecorded) : null;
            if (batch.length === 0) batchStartedAt = Date.now();
            if (event && event.position > position) batch.push(event); // at or below: resubscribed, already handled
            // Hand over when the batch is full or nothing else is buffered (caught up for now).
            if (batch.length > 0 && (batch.length >= batchSize || subscription.readableLength === 0)) {
              const caughtUp = batch.length < batchSize;
              await handle(batch);
              batch = [];
              // Meanwhile the subscription buffers what comes (up to a batch): handed over together after the pause,
              // which ends the interval after this batch began (as SQLite's catch-up reads count from the read).
              const rest = batchStartedAt + minBatchIntervalMs - Date.now();
              if (caughtUp && rest > 0 && running) await pause(rest);
            }
          }
          if (batch.length > 0) await handle(batch);
          attempt = 0;
        } catch (error) {
          if (!running) return;
          options.onError?.(error, attempt);
          await backoff(attempt);
        } finally {
          // Never leave a server-side subscription behind a failed or finished iteration.
          await subscription.unsubscribe().catch(() => undefined);
        }
      }
    };
    const finished = run();
    const subscription = {
      get position() {
        return position;
      },
      stop: async () => {
        running = false;
        (wake as (() => void) | null)?.();
        await (current as AllStreamSubscription | null)?.unsubscribe().catch(() => undefined);
        this.subscriptions.delete(subscription);
        await finished.catch(() => undefined);
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
      if (typeof event.metadata.hash !== 'string') throw new Error(`Cannot import ${stream} revision ${event.revision}: it has no hash`);
      heads.set(stream, { revision: event.revision, hash: event.metadata.hash });
      const run = runs[runs.length - 1];
      if (run?.stream === stream) run.events.push(event);
      else runs.push({ stream, expected: head.revision, events: [event] });
    }
    let position = 0;
    for (const run of runs) {
      const result = await this.client.appendToStream(this.physical(run.stream), run.events.map(toEsdbEvent) as EventData[], {
        expectedRevision: run.expected === NO_STREAM ? ESDB_NO_STREAM : BigInt(run.expected),
        deadline: this.deadline,
      });
      position = Number(result.position?.commit ?? 0n);
    }
    // Imported idempotency keys keep working: a retried request after the migration finds its events.
    const byKey = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const key = event.metadata.idempotencyKey;
      if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), event]);
    }
    for (const [key, keyed] of byKey) {
      const record: IdempotencyRecord = { stream: keyed[0]!.stream, ids: keyed.map((e) => e.id), reservedAt: keyed[0]!.recordedAt };
      await this.appendInternal(idempotencyStream(this.namespace, key), RECORD_TYPE, record, ESDB_NO_STREAM).catch((error: unknown) => {
        if (!isWrongExpectedVersion(error)) throw error;
      });
    }
    if (position > 0) this.emitter.emit('appended', position);
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
