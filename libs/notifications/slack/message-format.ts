import { assertNever } from '../../domain/shared/assert-never';
import type { StrategyStatus } from '../../domain/strategies/strategy.state';
import type { StrategyName } from '../../domain/strategies/strategy.config';
import type { StrategyStep } from '../../domain/strategies/strategy.plan';

/** A deployment's strategy run as its message shows it: the plan (fixed at the start) and how far the run got. */
export type MessageStrategy = {
  name: StrategyName;
  plan: string;
  status: StrategyStatus;
  /** The step completed last (0 before the first) of `of`, and the new version's share of traffic after it. */
  step: number;
  of: number;
  traffic_percent: number;
  abort_reason?: string;
};

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
  strategy?: MessageStrategy;
};

/** The icons of the Versioner event types (seed 001). */
const ICONS: Record<string, string> = { pending: '⏳', started: '🚀', completed: '✅', failed: '❌', aborted: '🛑' };

const inMinutes = (seconds: number): string => (seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`);

const duration = (facts: MessageFacts): string | null => {
  if (!facts.started_at || !facts.finished_at) return null;
  return inMinutes(Math.max(0, Math.round((Date.parse(facts.finished_at) - Date.parse(facts.started_at)) / 1000)));
};

export const ACTIONS = {
  rollback: 'shiplog_rollback',
  approve: 'shiplog_approve',
  reject: 'shiplog_reject',
  pause: 'shiplog_strategy_pause',
  resume: 'shiplog_strategy_resume',
  promoteNow: 'shiplog_strategy_promote_now',
  abort: 'shiplog_strategy_abort',
} as const;

const STRATEGY_LABELS: Record<StrategyName, string> = { direct: 'deployment', canary: 'canary', blue_green: 'blue-green switch', rolling: 'rolling update' };

/** "canary", "blue-green switch", "rolling update": reads after "the" in a sentence. */
export const strategyLabel = (name: StrategyName): string => STRATEGY_LABELS[name];

const stepLabel = (step: StrategyStep): string => (step.batch ? `batch ${step.batch.number}/${step.batch.of}` : step.kind === 'traffic' ? `${step.traffic_percent} %` : step.kind);

/** "10 steps: 10 % → 20 % → 30 % → … → 100 %, 5 min between steps": long plans keep their first steps and the last. */
export const planSummary = (plan: readonly StrategyStep[]): string => {
  const labels = plan.map(stepLabel);
  const shown = labels.length > 5 ? [...labels.slice(0, 3), '…', labels[labels.length - 1]!] : labels;
  const waits = new Set(plan.slice(0, -1).map((step) => step.wait_seconds_after));
  const [wait] = [...waits];
  const pace = waits.size === 1 && wait !== undefined && wait > 0 ? `, ${wait % 60 === 0 ? `${wait / 60} min` : inMinutes(wait)} between steps` : '';
  return `${plan.length} step${plan.length === 1 ? '' : 's'}: ${shown.join(' → ')}${pace}`;
};

export const messageText = (facts: MessageFacts): string => {
  const icon = facts.kind === 'build' && facts.status === 'started' ? '🔨' : (ICONS[facts.status] ?? '•');
  const target = facts.kind === 'deployment' ? ` → *${facts.environment}*` : ' build';
  const status = facts.awaiting_approval ? 'awaiting approval' : facts.status;
  return `${icon} *${facts.product}* ${facts.version}${target}: ${status}${facts.is_rollback ? ' (rollback)' : ''}`;
};

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({ type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value, ...(style ? { style } : {}) });

/** Aborting moves traffic back at once: Slack asks the clicker to confirm first. */
const abortButton = (deploymentId: string) => ({
  ...button('Abort', ACTIONS.abort, deploymentId, 'danger'),
  confirm: {
    title: { type: 'plain_text', text: 'Abort the strategy run?' },
    text: { type: 'plain_text', text: 'Traffic goes back to the stable version and the deployment ends aborted.' },
    confirm: { type: 'plain_text', text: 'Abort' },
    deny: { type: 'plain_text', text: 'Keep running' },
  },
});

export const resumeButton = (deploymentId: string) => button('Resume', ACTIONS.resume, deploymentId, 'primary');

/** Operators steer a run while it runs or is paused; once it rolls back or ends there is nothing to steer. */
const strategyButtons = (strategy: MessageStrategy, deploymentId: string): unknown[] => {
  if (strategy.status !== 'running' && strategy.status !== 'paused') return [];
  const hold = strategy.status === 'paused' ? resumeButton(deploymentId) : button('Pause', ACTIONS.pause, deploymentId);
  return [hold, button('Promote now', ACTIONS.promoteNow, deploymentId), abortButton(deploymentId)];
};

/** Where the run stands, in words: progress while it runs, the reason once it is aborted. */
const strategyState = (strategy: MessageStrategy): string => {
  const reason = strategy.abort_reason ?? 'aborted';
  switch (strategy.status) {
    case 'running':
    case 'paused':
      return `${strategy.status} · ${strategy.step > 0 ? `step ${strategy.step} of ${strategy.of} done, ${strategy.traffic_percent} % of traffic on the new version` : 'first step under way'}`;
    case 'rolling_back':
      return `rolling back from ${strategy.traffic_percent} %: ${reason}`;
    case 'completed':
      return 'completed · 100 % of traffic on the new version';
    case 'failed':
    case 'aborted':
      return `${strategy.status}: ${reason} · traffic back on the stable version`;
    default:
      return assertNever(strategy.status);
  }
};

/** "*Canary* — 3 steps: 10 % → 55 % → 100 %, 30 s between steps", then where the run stands. */
const strategyText = (strategy: MessageStrategy): string => {
  const label = strategyLabel(strategy.name);
  return `*${label[0]!.toUpperCase()}${label.slice(1)}* — ${strategy.plan}\n${strategyState(strategy)}`;
};

/** Block Kit for the message: summary, strategy run, who/duration/links, and the buttons the state allows. */
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
          : facts.strategy
            ? strategyButtons(facts.strategy, facts.id)
            : [];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: messageText(facts) } },
    ...(facts.strategy ? [{ type: 'section', text: { type: 'mrkdwn', text: strategyText(facts.strategy) } }] : []),
    ...(context.length ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] }] : []),
    ...(buttons.length ? [{ type: 'actions', elements: buttons }] : []),
  ];
};
