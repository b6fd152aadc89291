import { assertNever } from '../shared/assert-never';
import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import { assertKnownPatterns, KNOWN_EVENT_TYPES } from '../shared/event-types';
import type { SealedSecret } from '../environments/variables';

export const WEBHOOKS_STREAM = 'webhooks';

/** Never sent to webhooks: access tokens, secrets and the webhooks themselves. */
export const UNDELIVERABLE_PREFIXES = ['token.', 'slack.', 'webhook.', 'environment.variable_'];
export const DELIVERABLE_EVENT_TYPES = KNOWN_EVENT_TYPES.filter((type) => !UNDELIVERABLE_PREFIXES.some((prefix) => type.startsWith(prefix)));

export type WebhookAdded = DomainEvent<'webhook.subscription_added', { webhook_id: string; url: string; event_types: string[]; secret: SealedSecret; added_at: string }>;
export type WebhookRemoved = DomainEvent<'webhook.subscription_removed', { webhook_id: string; removed_at: string }>;
export type WebhookEvent = WebhookAdded | WebhookRemoved;

export type AddWebhook = { type: 'AddWebhook'; data: { webhook_id: string; url: string; event_types: string[]; secret: SealedSecret } };
export type RemoveWebhook = { type: 'RemoveWebhook'; data: { webhook_id: string } };

export type WebhookSubscription = WebhookAdded['data'];
export type WebhooksState = { readonly active: Readonly<Record<string, WebhookSubscription>> };
export const initialWebhooksState: WebhooksState = { active: {} };

export class WebhookNotFound extends DomainError {
  readonly code = 'webhook-not-found';
  constructor(id: string) {
    super(`No webhook ${id}.`, [{ field: 'id', message: 'unknown webhook' }]);
  }
}

export const decideWebhooks = (command: AddWebhook | RemoveWebhook, state: WebhooksState, now: Date): WebhookEvent[] => {
  switch (command.type) {
    case 'AddWebhook':
      assertKnownPatterns('event_types', command.data.event_types, DELIVERABLE_EVENT_TYPES);
      return [{ type: 'webhook.subscription_added', data: { ...command.data, added_at: now.toISOString() } }];
    case 'RemoveWebhook':
      if (!state.active[command.data.webhook_id]) throw new WebhookNotFound(command.data.webhook_id);
      return [{ type: 'webhook.subscription_removed', data: { webhook_id: command.data.webhook_id, removed_at: now.toISOString() } }];
    default:
      return assertNever(command);
  }
};

export const evolveWebhooks = (state: WebhooksState, event: WebhookEvent): WebhooksState => {
  switch (event.type) {
    case 'webhook.subscription_added':
      return { active: { ...state.active, [event.data.webhook_id]: event.data } };
    case 'webhook.subscription_removed': {
      const { [event.data.webhook_id]: _removed, ...active } = state.active;
      return { active };
    }
    default:
      return assertNever(event);
  }
};
