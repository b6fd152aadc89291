import type { RecordedEvent, Subscription, EventStore } from '../../event-store/event-store.port';
import type { LeaseFence } from '../../event-store/lease.port';
import { DomainError } from '../../domain/shared/domain-error';

/**
 * A reactor turns stored events into effects or commands. It runs from its own durable, checkpointed
 * subscription (at-least-once), so `react` must be idempotent: keys derived from the causing event id.
 */
export type Reactor = {
  name: string;
  /** Event types to react to; `*` for all. */
  handles: readonly string[];
  react(event: RecordedEvent): Promise<void>;
};

export type ReactorStatus = { name: string; position: number; backlog: number; rejections: number; error: string | null };

/**
 * Runs reactors in order of the store. A command a reactor issues that the domain refuses (a DomainError) is
 * a decision, not a failure: it is logged and counted, and the reactor moves on. Anything else (I/O) is
 * retried with backoff on the same event, keeping the checkpoint where it was.
 */
export class ReactorRunner {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly rejections = new Map<string, number>();
  private readonly errors = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    readonly reactors: readonly Reactor[],
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** `fence`: when replicas share the store, checkpoints move only while this instance holds the reactors lease. */
  start(fence?: LeaseFence): void {
    for (const reactor of this.reactors) {
      const handles = new Set(reactor.handles);
      this.subscriptions.set(
        reactor.name,
        this.store.subscribeToAll({
          checkpointName: `reactor:${reactor.name}`,
          ...(fence ? { fence } : {}),
          batchSize: 50,
          handler: async (events) => {
            for (const event of events) if (handles.has(event.type) || handles.has('*')) await this.react(reactor, event);
            this.errors.delete(reactor.name);
          },
          onError: (error, attempt) => {
            const message = error instanceof Error ? error.message : String(error);
            this.errors.set(reactor.name, message);
            this.log(`reactor ${reactor.name} failed (attempt ${attempt}), retrying: ${message}`);
          },
        }),
      );
    }
  }

  private async react(reactor: Reactor, event: RecordedEvent): Promise<void> {
    try {
      await reactor.react(event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.rejections.set(reactor.name, (this.rejections.get(reactor.name) ?? 0) + 1);
      this.log(`reactor ${reactor.name}: ${event.type} ${event.id} led to a refused command (${error.code}): ${error.detail}`);
    }
  }

  async status(): Promise<ReactorStatus[]> {
    const head = await this.store.headPosition();
    return this.reactors.map(({ name }) => {
      const position = this.subscriptions.get(name)?.position ?? 0;
      return { name, position, backlog: Math.max(0, head - position), rejections: this.rejections.get(name) ?? 0, error: this.errors.get(name) ?? null };
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
  }
}
