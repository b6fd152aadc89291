/** What a message shows: the facts of one deployment or build, as its events accumulated them. */
export type MessageFacts = {
  kind: 'deployment' | 'build';
  id: string;
  product: string;
  version: string;
  environment?: string;
  status: string;
  awaiting_approval?: boolean;
  deployed_by?: string;
  built_by?: string;
  build_url?: string;
  started_at?: string;
  finished_at?: string;
  error?: string;
  is_rollback?: boolean;
};

/** The icons of the Versioner event types (seed 001). */
const ICONS: Record<string, string> = { pending: '⏳', started: '🚀', completed: '✅', failed: '❌', aborted: '🛑' };

const duration = (facts: MessageFacts): string | null => {
  if (!facts.started_at || !facts.finished_at) return null;
  const seconds = Math.max(0, Math.round((Date.parse(facts.finished_at) - Date.parse(facts.started_at)) / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
};

export const ACTIONS = { rollback: 'shiplog_rollback', approve: 'shiplog_approve', reject: 'shiplog_reject' } as const;

export const messageText = (facts: MessageFacts): string => {
  const icon = facts.kind === 'build' && facts.status === 'started' ? '🔨' : (ICONS[facts.status] ?? '•');
  const target = facts.kind === 'deployment' ? ` → *${facts.environment}*` : ' build';
  const status = facts.awaiting_approval ? 'awaiting approval' : facts.status;
  return `${icon} *${facts.product}* ${facts.version}${target}: ${status}${facts.is_rollback ? ' (rollback)' : ''}`;
};

/** Block Kit for the message: summary, who/duration/links, and the buttons the state allows. */
export const messageBlocks = (facts: MessageFacts, shiplogUrl: string | null): unknown[] => {
  const who = facts.deployed_by ?? facts.built_by;
  const context = [
    who ? `by ${who}` : null,
    duration(facts) ? `took ${duration(facts)}` : null,
    facts.build_url ? `<${facts.build_url}|build>` : null,
    shiplogUrl && facts.kind === 'deployment' ? `<${shiplogUrl.replace(/\/$/, '')}/deployments/${facts.id}|Shiplog>` : null,
  ].filter(Boolean);
  const buttons =
    facts.kind !== 'deployment'
      ? []
      : facts.awaiting_approval
        ? [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: ACTIONS.approve, value: facts.id },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: ACTIONS.reject, value: facts.id },
          ]
        : facts.status === 'completed' || facts.status === 'failed'
          ? [{ type: 'button', text: { type: 'plain_text', text: 'Rollback' }, style: 'danger', action_id: ACTIONS.rollback, value: facts.id }]
          : [];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: messageText(facts) } },
    ...(context.length ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] }] : []),
    ...(buttons.length ? [{ type: 'actions', elements: buttons }] : []),
  ];
};
