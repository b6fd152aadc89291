import { matchesEventType } from '../../domain/shared/event-types';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import {
  decideWebhooks,
  evolveWebhooks,
  initialWebhooksState,
  UNDELIVERABLE_PREFIXES,
  WEBHOOKS_STREAM,
  type AddWebhook,
  type RemoveWebhook,
  type WebhookEvent,
  type WebhookSubscription,
} from '../../domain/webhooks/webhooks';
import type { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { deterministicEventId } from '../../event-store/ids';
import type { Outbox } from '../../notifications/webhooks/outbox';
import type { Reactor } from '../reactors/reactor';
import type { SecretBox } from '../secrets/secret-box';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, StreamStateCache } from '../shared/stream-command';

const WEBHOOKS = { initialState: initialWebhooksState, evolve: evolveWebhooks };

/** A subscription and the position it was added at: it receives the events recorded after that. */
export type ActiveWebhook = WebhookSubscription & { position: number };

/** Webhook subscriptions (the `webhooks` stream) and the reactor that puts matching events in the outbox. */
export class WebhooksService {
  private readonly cache = new StreamStateCache(1);
  private revision = -1;
  private subscriptions = new Map<string, ActiveWebhook>();
  /** Whether the reactor has read the subscriptions once (then it follows their stream's events). */
  private loaded = false;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly secrets: SecretBox,
  ) {}

  async add(input: { url: string; secret: string; event_types: string[] }, meta: CommandMeta): Promise<ActiveWebhook> {
    const webhookId = this.ids.next();
    const secret = { ciphertext: this.secrets.encrypt(input.secret), fingerprint: this.secrets.fingerprint(input.secret) };
    await this.execute({ type: 'AddWebhook', data: { webhook_id: webhookId, url: input.url, event_types: input.event_types, secret } }, meta);
    return (await this.active()).find((w) => w.webhook_id === webhookId)!;
  }

  async remove(webhookId: string, meta: CommandMeta): Promise<void> {
    await this.execute({ type: 'RemoveWebhook', data: { webhook_id: webhookId } }, meta);
  }

  /** The active subscriptions, refreshed from the stream (only the events appended since the last call). */
  async active(): Promise<ActiveWebhook[]> {
    const { events } = await this.store.readStream(WEBHOOKS_STREAM, { fromRevision: this.revision + 1 });
    for (const event of events as unknown as (WebhookEvent & RecordedEvent)[]) {
      if (event.type === 'webhook.subscription_added') this.subscriptions.set(event.data.webhook_id, { ...event.data, position: event.position });
      else this.subscriptions.delete(event.data.webhook_id);
      this.revision = event.revision;
    }
    return [...this.subscriptions.values()];
  }

  /** Enqueues one delivery per matching subscription; the delivery id derives from subscription and event. */
  reactor(outbox: Outbox): Reactor {
    return {
      name: 'webhooks',
      handles: ['*'],
      react: async (event) => {
        // The subscriptions change only through their stream: re-read it when this reactor meets one of its events.
        if (!this.loaded || event.stream === WEBHOOKS_STREAM) {
          await this.active();
          this.loaded = true;
        }
        if (UNDELIVERABLE_PREFIXES.some((prefix) => event.type.startsWith(prefix))) return;
        for (const webhook of this.subscriptions.values()) {
          if (event.position <= webhook.position || !webhook.event_types.some((pattern) => matchesEventType(pattern, event.type))) continue;
          const payload = { id: event.id, type: event.type, stream: event.stream, occurred_at: event.occurredAt, recorded_at: event.recordedAt, actor: event.metadata.actor, data: event.data };
          outbox.enqueue(
            {
              delivery_id: deterministicEventId(`webhook:${webhook.webhook_id}:${event.id}`, 0),
              target: `webhook:${webhook.webhook_id}`,
              event_id: event.id,
              event_type: event.type,
              url: webhook.url,
              payload: JSON.stringify(payload),
              sealed_secret: webhook.secret.ciphertext,
            },
            this.clock.now(),
          );
        }
      },
    };
  }

  private execute(command: AddWebhook | RemoveWebhook, meta: CommandMeta) {
    return executeOnStream(this.store, this.cache, WEBHOOKS_STREAM, WEBHOOKS, (state) => decideWebhooks(command, state, this.clock.now()), meta);
  }
}
