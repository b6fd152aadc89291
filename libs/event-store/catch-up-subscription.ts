import type { RecordedEvent, Subscription, SubscriptionHandler } from './event-store.port';

export type CatchUpOptions = {
  /**
   * `fresh` false: the read right after a batch, or after an append of this process woke the subscription — an
   * empty answer may come from what this process appended alone. The first read, those after a wait that ended
   * without an append (the idle poll) or after an error, and any read `idlePollMs` after the last fresh one, are
   * fresh: they find what other processes appended.
   */
  read: (afterPosition: number, maxCount: number, fresh: boolean) => Promise<RecordedEvent[]>;
  /** Registers a wake-up callback for new appends; returns the unsubscribe function. */
  onAppended: (listener: () => void) => () => void;
  fromPosition: number;
  batchSize: number;
  /** See SubscribeOptions.minBatchIntervalMs. */
  minBatchIntervalMs?: number;
  handler: SubscriptionHandler;
  /** Stores the position handled so far (a checkpoint); a failure is reported and the write retried later. */
  afterBatch?: (position: number) => Promise<void>;
  /** The checkpoint is stored at most this often (busy or caught up), and always when stopping. */
  checkpointEveryMs?: number;
  onError?: (error: unknown, attempt: number) => void;
  /** Safety net for appends made by another process: re-read at least this often while idle. */
  idlePollMs?: number;
  maxBackoffMs?: number;
};

/**
 * Reads forward from a position, hands batches to the handler in order, and sleeps when caught up until
 * an append wakes it (or the slow idle poll fires). A failing handler is retried with exponential backoff
 * on the same batch: events are never skipped.
 */
export const startCatchUpSubscription = (options: CatchUpOptions): Subscription => {
  const { idlePollMs = 1_000, maxBackoffMs = 30_000, checkpointEveryMs = 250, minBatchIntervalMs = 0 } = options;
  let position = options.fromPosition;
  let running = true;
  let appendedSinceRead = false;
  let interrupt: (() => void) | null = null;
  let idle = false;

  const unsubscribe = options.onAppended(() => {
    appendedSinceRead = true;
    if (idle) interrupt?.();
  });
  // Idle sleeps end on the next append; backoff and batch-interval sleeps only on stop(), so a failing handler is not
  // hammered and a busy store's events gather into one batch. Resolves true when ended early (an append, or stop()).
  const sleep = (ms: number, untilAppend: boolean) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      function done(early: boolean) {
        clearTimeout(timer);
        interrupt = null;
        idle = false;
        resolve(early);
      }
      interrupt = () => done(true);
      idle = untilAppend;
    });

  // Checkpoints are written at most every `checkpointEveryMs` (a caught-up subscription writes when that much time
  // has passed, waking for it if nothing else does) and when stopping: under steady load a subscription catches up
  // after almost every batch, and one durable write per batch would cost a sync per batch. A crash replays at most
  // that window (delivery is at-least-once anyway).
  let checkpointed = position;
  let lastCheckpointAt = 0;
  const checkpointDueIn = () => (!options.afterBatch || checkpointed === position ? Infinity : lastCheckpointAt + checkpointEveryMs - Date.now());
  const saveCheckpoint = async () => {
    if (!options.afterBatch || checkpointed === position) return;
    const at = position;
    await options.afterBatch(at);
    checkpointed = at;
    lastCheckpointAt = Date.now();
  };

  const loop = async () => {
    let failures = 0;
    let fresh = true;
    let freshReadAt = 0;
    while (running) {
      appendedSinceRead = false;
      const readAt = Date.now();
      try {
        // However often appends wake it, the subscription reads the store itself at least every idlePollMs.
        const readFresh = fresh || readAt - freshReadAt >= idlePollMs;
        if (readFresh) freshReadAt = readAt;
        const events = await options.read(position, options.batchSize, readFresh);
        if (events.length === 0) {
          if (checkpointDueIn() <= 0) await saveCheckpoint();
          fresh = appendedSinceRead || !running ? false : !(await sleep(Math.min(idlePollMs, Math.max(1, checkpointDueIn())), true));
          continue;
        }
        await options.handler(events);
        position = events[events.length - 1]!.position;
        failures = 0;
        fresh = false;
        if (checkpointDueIn() <= 0) await saveCheckpoint();
        const wait = readAt + minBatchIntervalMs - Date.now();
        if (wait > 0 && events.length < options.batchSize && running) await sleep(wait, false);
      } catch (error) {
        failures += 1;
        fresh = true;
        options.onError?.(error, failures);
        if (running) await sleep(Math.min(maxBackoffMs, 50 * 2 ** failures), false);
      }
    }
    await saveCheckpoint().catch(() => undefined);
  };
  const finished = loop();

  return {
    get position() {
      return position;
    },
    async stop() {
      running = false;
      unsubscribe();
      interrupt?.();
      await finished;
    },
  };
};
