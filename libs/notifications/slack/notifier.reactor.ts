import type { webApi } from '@slack/bolt';
import type { PreferencesService } from '../../application/notifications/preferences.service';
import type { Reactor } from '../../application/reactors/reactor';
import type { Clock } from '../../domain/shared/time';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { messageBlocks, messageText, type MessageFacts } from './message-format';
import type { SlackMessage, SlackMessages } from './slack-messages';

type Data = {
  deployment_id?: string;
  build_id?: string;
  product: string;
  version: string;
  environment?: string;
  occurred_at: string;
  deployed_by?: string;
  built_by?: string;
  build_url?: string;
  is_rollback?: boolean;
  extra_metadata?: { error?: unknown };
};

const LIFECYCLE = ['pending', 'started', 'completed', 'failed', 'aborted'];

/** The preference type an event answers to: an operator's request is the deployment's `pending`. */
const notifiedAs = (type: string): string => (type === 'deployment.requested' ? 'deployment.pending' : type);

const METADATA_TYPE = 'shiplog_message';

const nextFacts = (previous: MessageFacts | null, event: RecordedEvent): MessageFacts => {
  const data = event.data as Data;
  const [kind, verb] = notifiedAs(event.type).split('.') as ['deployment' | 'build', string];
  const status = LIFECYCLE.includes(verb) ? verb : (previous?.status ?? 'pending');
  const error = typeof data.extra_metadata?.error === 'string' ? data.extra_metadata.error : undefined;
  return {
    ...previous,
    kind,
    id: (kind === 'deployment' ? data.deployment_id : data.build_id)!,
    product: data.product,
    version: data.version,
    ...(data.environment ? { environment: data.environment } : {}),
    status,
    awaiting_approval: event.type === 'deployment.approval_requested' ? true : LIFECYCLE.includes(verb) && verb !== 'pending' ? false : (previous?.awaiting_approval ?? false),
    ...(data.deployed_by ? { deployed_by: data.deployed_by } : {}),
    ...(data.built_by ? { built_by: data.built_by } : {}),
    ...(data.build_url ? { build_url: data.build_url } : {}),
    ...(data.is_rollback ? { is_rollback: true } : {}),
    ...(verb === 'started' ? { started_at: data.occurred_at } : {}),
    ...(['completed', 'failed', 'aborted'].includes(verb) ? { finished_at: data.occurred_at } : {}),
    ...(error ? { error } : {}),
  };
};

export type NotifierDeps = { client: webApi.WebClient; messages: SlackMessages; preferences: PreferencesService; clock: Clock; shiplogUrl: string | null };

/**
 * One Slack message per deployment (and build) per channel, posted when a preference matches and updated in
 * place as the deployment moves on; a failure's error goes in a thread reply. The message record is durable,
 * so after a restart the same message is updated, and a post interrupted by a crash is found again in the
 * channel history (by its metadata) rather than posted twice. Slack's 429s wait for Retry-After (WebClient).
 */
export const notifierReactor = ({ client, messages, preferences, clock, shiplogUrl }: NotifierDeps): Reactor => ({
  name: 'slack-notifier',
  handles: [
    'deployment.requested',
    'deployment.pending',
    'deployment.started',
    'deployment.completed',
    'deployment.failed',
    'deployment.aborted',
    'deployment.approval_requested',
    'build.pending',
    'build.started',
    'build.completed',
    'build.failed',
    'build.aborted',
  ],
  async react(event) {
    const data = event.data as Data;
    const subject = data.deployment_id ?? data.build_id!;
    const matching = await preferences.channelsFor(notifiedAs(event.type), data.product, data.environment);
    // Channels that match this event get a message; those that already have one see it updated whatever the event.
    const existing = messages.bySubject(subject).map((m) => m.channel);
    for (const channel of new Set([...matching, ...existing])) {
      const key = `${subject}:${channel}`;
      const message = messages.get(key);
      if (message && message.last_position >= event.position) continue; // a replay: this event is on the message already
      const facts = nextFacts(message ? (JSON.parse(message.facts) as MessageFacts) : null, event);
      const record: SlackMessage = message ?? {
        key,
        subject_id: subject,
        subject_kind: facts.kind,
        channel,
        ts: null,
        status: 'posting',
        facts: '{}',
        last_position: 0,
        thread_posted: 0,
        attempts: 0,
        last_error: null,
        updated_at: clock.now().toISOString(),
      };
      const save = (changes: Partial<SlackMessage>) => messages.save({ ...record, ...changes, facts: JSON.stringify(facts), updated_at: clock.now().toISOString() });
      try {
        const content = { channel, text: messageText(facts), blocks: messageBlocks(facts, shiplogUrl) as never };
        // No ts on a known record: a post was interrupted (crash, timeout) and may have reached Slack.
        let ts = record.ts ?? (message ? await findPosted(client, channel, subject) : null);
        if (!ts) {
          save({ status: 'posting', attempts: record.attempts + 1 });
          const posted = await client.chat.postMessage({ ...content, metadata: { event_type: METADATA_TYPE, event_payload: { subject_id: subject } } });
          ts = posted.ts!;
        } else {
          await client.chat.update({ ...content, ts });
        }
        let threadPosted = record.thread_posted;
        if (facts.status === 'failed' && facts.error && !threadPosted) {
          await client.chat.postMessage({ channel, thread_ts: ts, text: `Failure detail: ${facts.error}` });
          threadPosted = 1;
        }
        save({ ts, status: 'posted', last_position: event.position, thread_posted: threadPosted, last_error: null, attempts: record.attempts + 1 });
      } catch (error) {
        save({ status: record.ts ? 'posted' : 'failed', last_error: error instanceof Error ? error.message : String(error), attempts: record.attempts + 1 });
        throw error; // the runner retries with backoff; the message record keeps it from being posted twice
      }
    }
  },
});

/** A message posted before a crash, found by the metadata Shiplog attaches to every message. */
const findPosted = async (client: webApi.WebClient, channel: string, subject: string): Promise<string | null> => {
  const history = await client.conversations.history({ channel, limit: 100, include_all_metadata: true });
  const found = history.messages?.find((m) => {
    const metadata = (m as { metadata?: { event_type?: string; event_payload?: { subject_id?: string } } }).metadata;
    return metadata?.event_type === METADATA_TYPE && metadata.event_payload?.subject_id === subject;
  });
  return found?.ts ?? null;
};
