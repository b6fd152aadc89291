import type { webApi } from '@slack/bolt';
import type { PreferencesService } from '../../application/notifications/preferences.service';
import type { Reactor } from '../../application/reactors/reactor';
import type { Clock } from '../../domain/shared/time';
import { isStrategyEvent, STRATEGY_EVENT_TYPES, type StrategyEventType } from '../../domain/strategies/strategy.events';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { messageBlocks, messageText, planSummary, type MessageFacts, type MessageStrategy } from './message-format';
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

/**
 * The strategy run's events a deployment's message follows. Step starts and health probes are left out: they
 * would update the message without changing what it shows (the weight moves when a step completes).
 */
const STRATEGY_UPDATES: readonly StrategyEventType[] = STRATEGY_EVENT_TYPES.filter((type) => type !== 'deployment.step_started' && type !== 'deployment.health_changed');

/** An operator's request is the deployment's `pending`. */
const lifecycleType = (type: string): string => (type === 'deployment.requested' ? 'deployment.pending' : type);

/**
 * The preference type an event answers to; null: it only updates messages already posted. A strategy run
 * starting is the deployment's `started` (its message gains the plan and the Pause / Promote now / Abort
 * buttons); preferences know no strategy types, so the run's later events open no message of their own.
 */
const notifiedAs = (event: RecordedEvent): string | null => {
  if (event.type === 'deployment.strategy_started') return 'deployment.started';
  return isStrategyEvent(event) ? null : lifecycleType(event.type);
};

/** The run as the message shows it, moved on by the run's events; a message first posted mid-run (plan unknown) shows none. */
const nextStrategy = (previous: MessageStrategy | undefined, event: RecordedEvent): MessageStrategy | undefined => {
  if (!isStrategyEvent(event)) return previous;
  if (event.type === 'deployment.strategy_started') {
    return { name: event.data.strategy, plan: planSummary(event.data.plan), status: 'running', step: 0, of: event.data.plan.length, traffic_percent: 0 };
  }
  if (!previous) return undefined;
  switch (event.type) {
    case 'deployment.step_completed':
      return { ...previous, step: event.data.step_index + 1, traffic_percent: event.data.traffic_percent };
    case 'deployment.strategy_paused':
      return { ...previous, status: 'paused' };
    case 'deployment.strategy_resumed':
    case 'deployment.strategy_promoted': // promote-now also resumes a paused run
      return { ...previous, status: 'running' };
    case 'deployment.strategy_aborted':
      return { ...previous, status: 'rolling_back', traffic_percent: event.data.traffic_percent, abort_reason: event.data.reason };
    case 'deployment.traffic_rolled_back':
      return { ...previous, status: event.data.outcome, traffic_percent: 0 };
    case 'deployment.strategy_completed':
      return { ...previous, status: 'completed', step: previous.of, traffic_percent: 100 };
    default:
      return previous;
  }
};

const METADATA_TYPE = 'shiplog_message';

const nextFacts = (previous: MessageFacts | null, event: RecordedEvent): MessageFacts => {
  const data = event.data as Data;
  const [kind, verb] = lifecycleType(event.type).split('.') as ['deployment' | 'build', string];
  // A strategy event means the deployment has started, even on a message it opens.
  const status = LIFECYCLE.includes(verb) ? verb : (previous?.status ?? (isStrategyEvent(event) ? 'started' : 'pending'));
  const strategy = nextStrategy(previous?.strategy, event);
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
    ...(strategy ? { strategy } : {}),
  };
};

export type NotifierDeps = { client: webApi.WebClient; messages: SlackMessages; preferences: PreferencesService; clock: Clock; shiplogUrl: string | null };

/**
 * One Slack message per deployment (and build) per channel, posted when a preference matches and updated in
 * place as the deployment moves on; a failure's error goes in a thread reply. The message record is durable,
 * so after a restart the same message is updated, and a post interrupted by a crash is found again in the
 * channel history (by its metadata) rather than posted twice. Slack's 429s wait for Retry-After (WebClient).
 * A deployment with a strategy run shows its plan, progress and the Pause / Promote now / Abort buttons; pressing
 * them is the Slack gateway's business (this reactor only posts).
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
    ...STRATEGY_UPDATES,
  ],
  async react(event) {
    const data = event.data as Data;
    const subject = data.deployment_id ?? data.build_id!;
    const type = notifiedAs(event);
    const matching = type ? await preferences.channelsFor(type, data.product, data.environment) : [];
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
