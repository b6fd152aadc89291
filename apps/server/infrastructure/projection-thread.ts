import { Worker } from 'node:worker_threads';
import { compiledScript } from '../../../libs/shared/compiled-script';
import { releaseMarkersOfThread } from '../../../libs/read-models/sqlite/unsynced-writes';
import type { EventStore } from '../../../libs/event-store/event-store.port';
import { lowestOf, PositionWaiters, statusesAt, type ProjectionControl, type ProjectionStatus, type RebuildProgress } from '../../../libs/read-models/projection-control';
import type { AppliedPositions } from '../../../libs/read-models/projection-runner';

export type ProjectionWorkerData = { eventsFile: string; readModelsFile: string; readModelFsync: boolean };

export type ToWorker = { type: 'appended'; head: number } | { type: 'rebuild'; id: number; names: readonly string[] } | { type: 'stop' };

export type FromWorker =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | ({ type: 'applied' } & AppliedPositions)
  | ({ type: 'rebuild-progress'; id: number } & RebuildProgress)
  | { type: 'rebuild-done'; id: number; events: number; position: number }
  | { type: 'rebuild-failed'; id: number; message: string }
  | { type: 'log'; message: string }
  | { type: 'stopped' };

type Rebuild = { onProgress: (progress: RebuildProgress) => void; resolve: (result: { events: number; position: number }) => void; reject: (error: Error) => void };

/** How long after an unexpected exit the worker is started again. */
const RESTART_DELAY_MS = 1_000;

/**
 * Runs the projections (a ProjectionRunner on SQLite) in a worker thread: the server's thread only appends, answers
 * queries and waits for positions the worker reports. Appends made here wake the worker at once. If the worker dies
 * it is restarted from the stored checkpoints, and /health shows the error meanwhile.
 */
export class ProjectionThread implements ProjectionControl {
  private worker: Worker | null = null;
  private readonly positions = new Map<string, number>();
  private errors: Record<string, string> = {};
  private readonly waiters = new PositionWaiters(() => lowestOf(this.positions));
  private readonly rebuilds = new Map<number, Rebuild>();
  private nextRebuild = 1;
  private stopping = false;
  private unsubscribe: (() => void) | null = null;
  /** The highest position the worker was told of (this server's appends, and positions queries waited for). */
  private toldHead = 0;

  constructor(
    readonly names: readonly string[],
    private readonly options: ProjectionWorkerData & { store: EventStore; log: (message: string) => void },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.options.store.onAppended((head) => this.tell(head));
    await this.spawn();
  }

  private spawn(): Promise<void> {
    const { eventsFile, readModelsFile, readModelFsync } = this.options;
    const workerData = { eventsFile, readModelsFile, readModelFsync } satisfies ProjectionWorkerData;
    const worker = new Worker(compiledScript(__dirname, 'projection-worker.js'), { workerData });
    this.worker = worker;
    const thread = worker.threadId; // -1 once it has exited
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'started') resolve();
        else if (message.type === 'start-failed') reject(new Error(`projections could not start: ${message.message}`));
        else this.receive(message);
      });
      worker.on('error', (error) => this.options.log(`projection worker failed: ${error.message}`));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        // A worker that died without closing its read-model connection leaves that connection's marker: its writes
        // are made durable and the marker removed here (after a clean stop there is none).
        try {
          releaseMarkersOfThread(this.options.readModelsFile, thread);
        } catch (error) {
          // Left in place, the marker only costs a rebuild of the read models after the next reboot.
          this.options.log(`projection worker's unsynced marker not released: ${error instanceof Error ? error.message : String(error)}`);
        }
        reject(new Error(`projection worker exited (${code}) before it started`));
        this.failRebuilds(`the projection worker exited (${code})`);
        if (this.stopping) return;
        for (const name of this.names) this.errors[name] = `projection worker exited (${code}); restarting`;
        this.options.log(`projection worker exited (${code}); restarting in ${RESTART_DELAY_MS} ms`);
        setTimeout(() => {
          if (!this.stopping) this.spawn().catch((error: unknown) => this.options.log(error instanceof Error ? error.message : String(error)));
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  private receive(message: Exclude<FromWorker, { type: 'started' | 'start-failed' }>): void {
    switch (message.type) {
      case 'applied':
        for (const [name, position] of Object.entries(message.positions)) this.positions.set(name, position);
        this.errors = message.errors;
        return this.waiters.release();
      case 'rebuild-progress':
        return this.rebuilds.get(message.id)?.onProgress({ position: message.position, head: message.head });
      case 'rebuild-done':
        this.rebuilds.get(message.id)?.resolve({ events: message.events, position: message.position });
        return void this.rebuilds.delete(message.id);
      case 'rebuild-failed':
        this.rebuilds.get(message.id)?.reject(new Error(message.message));
        return void this.rebuilds.delete(message.id);
      case 'log':
        return this.options.log(message.message);
      case 'stopped':
        return;
      default:
        return ((unknown: never) => this.options.log(`unknown message from the projection worker: ${JSON.stringify(unknown)}`))(message);
    }
  }

  /** Tells the worker the store has events up to `head`. */
  private tell(head: number): void {
    this.toldHead = Math.max(this.toldHead, head);
    this.send({ type: 'appended', head });
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private failRebuilds(reason: string): void {
    for (const rebuild of this.rebuilds.values()) rebuild.reject(new Error(reason));
    this.rebuilds.clear();
  }

  rebuildMany(names: readonly string[], onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<{ events: number; position: number }> {
    const unknown = names.filter((name) => !this.names.includes(name));
    if (unknown.length > 0) return Promise.reject(new Error(`Unknown projection ${unknown.join(', ')}`));
    if (!this.worker) return Promise.reject(new Error('the projection worker is not running'));
    const id = this.nextRebuild++;
    return new Promise((resolve, reject) => {
      this.rebuilds.set(id, { onProgress, resolve, reject });
      this.send({ type: 'rebuild', id, names });
    });
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    // Past what this server appended: another process wrote it (replicas on one data dir), and the worker reads the
    // file now instead of at its idle poll.
    if (position > this.toldHead) this.tell(position);
    return this.waiters.wait(position, timeoutMs);
  }

  async status(): Promise<ProjectionStatus[]> {
    return statusesAt(this.names, await this.options.store.headPosition(), this.positions, (name) => this.errors[name]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // The worker stops its subscriptions and closes its connections, then says so; terminate() ends the thread.
      const stopped = new Promise<void>((resolve) => worker.on('message', (message: FromWorker) => message.type === 'stopped' && resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      await Promise.race([stopped, exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await worker.terminate();
      await exited;
    }
    this.failRebuilds('the server is stopping');
    this.waiters.abandon();
  }
}
