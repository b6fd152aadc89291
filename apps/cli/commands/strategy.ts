import { Command } from 'commander';
import { CliExit, EXIT_REJECTED } from '../exit';
import type { CliIo } from '../program';
import { callServer, pollUntilFinished, withServerOptions, withWait, type ServerOptions } from './server-call';

type Step = { number: number; kind: string; traffic_percent: number; status: string; started_at: string | null; completed_at: string | null; batch: { number: number; of: number } | null };
type StrategyStatus = {
  deployment_id: string;
  product: string;
  target: string;
  version: string;
  status: string;
  strategy: string;
  strategy_status: string | null;
  traffic_percent: number;
  next_step_due_at: string | null;
  health: string;
  run: {
    current_step: (Step & { of: number }) | null;
    health: { failed_checks: number; max_failed_checks: number; detail: string | null };
    abort: { reason: string } | null;
    steps: Step[];
  } | null;
};

const ENDED = ['completed', 'failed', 'aborted'];
const BAR_WIDTH = 20;

/** `[██████░░░░░░░░░░░░░░]  30 %`: the new version's share of traffic. */
export const trafficBar = (percent: number): string => {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * BAR_WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)} %`;
};

const clockTime = (at: string | null): string => (at ? at.slice(11, 19) : '');

const headline = (s: StrategyStatus): string => {
  const step = s.run?.current_step;
  const where = step ? `, step ${step.number} of ${step.of}` : '';
  const next = s.next_step_due_at ? `, next step at ${clockTime(s.next_step_due_at)} UTC` : '';
  return `${s.strategy} of ${s.product} ${s.version} → ${s.target}: ${s.strategy_status ?? s.status}${where}${next}`;
};

/** The run as a table: headline, traffic bar, one line per step, health. */
export const describeStrategy = (s: StrategyStatus): string => {
  if (!s.run) return `${s.product} ${s.version} → ${s.target}: ${s.status} (deploys directly, no strategy steps)\n`;
  const steps = s.run.steps.map((step) => {
    const what = step.batch ? `batch ${step.batch.number}/${step.batch.of}` : step.kind;
    return `  ${String(step.number).padStart(3)}  ${what.padEnd(11)} ${String(step.traffic_percent).padStart(3)} %  ${step.status.padEnd(9)} ${clockTime(step.started_at)}`.trimEnd();
  });
  const { failed_checks, max_failed_checks, detail } = s.run.health;
  const health = `health: ${s.health}${failed_checks > 0 ? ` (${failed_checks} of ${max_failed_checks} failed checks allowed${detail ? `: ${detail}` : ''})` : ''}`;
  const abort = s.run.abort ? [`aborted: ${s.run.abort.reason}`] : [];
  return `${[headline(s), trafficBar(s.traffic_percent), ...steps, health, ...abort].join('\n')}\n`;
};

const outcomeOf = (s: StrategyStatus): null | true | string => {
  const state = s.strategy_status ?? s.status;
  if (!ENDED.includes(state)) return null;
  return state === 'completed' ? true : `${state}${s.run?.abort ? `: ${s.run.abort.reason}` : ''}`;
};

/** `--strategy canary` or `--strategy '{"name":"canary","increment":25}'`: the deploy request's config.strategy. */
export const parseStrategyOption = (value: string): unknown => {
  if (!value.trim().startsWith('{')) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new CliExit(EXIT_REJECTED, `shiplog: --strategy is neither a strategy name nor valid JSON: ${error instanceof Error ? error.message : String(error)}\n`);
  }
};

const STEER = [
  { verb: 'pause', description: 'hold a running strategy at its current traffic weight', reason: true },
  { verb: 'resume', description: 'continue a paused strategy', reason: false },
  { verb: 'promote-now', description: 'skip the remaining strategy steps: 100 % to the new version next', reason: true },
  { verb: 'abort', description: 'stop a strategy and roll traffic back to the stable version', reason: true },
] as const;

/** Strategy runs: watch one (`strategy <id>`), and pause / resume / promote-now / abort it. */
export const strategyCommands = (io: CliIo): Command[] => [
  withWait(withServerOptions(new Command('strategy').description("a deployment's strategy run: current step, traffic weight, health")), 'strategy run', 7200)
    .argument('<deployment-id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: ServerOptions & { json?: boolean; wait?: boolean; timeout?: string }) => {
      const path = `/api/v1/deployments/${encodeURIComponent(id)}/status`;
      const status = (await callServer(io, options, 'GET', path)) as StrategyStatus;
      io.out(options.json ? `${JSON.stringify(status)}\n` : describeStrategy(status));
      if (options.wait) await pollUntilFinished(io, options, path, { name: `deployment ${id}`, describe: (s: StrategyStatus) => `${headline(s)}  ${trafficBar(s.traffic_percent)}\n`, outcome: outcomeOf }, Number(options.timeout ?? 7200));
    }),
  ...STEER.map(({ verb, description, reason }) => {
    const command = withServerOptions(new Command(verb).description(description)).argument('<deployment-id>');
    if (reason) command.option('--reason <text>', 'why (recorded with the command)');
    return command.action(async (id: string, options: ServerOptions & { reason?: string }) => {
      const body = options.reason ? { reason: options.reason } : {};
      const status = (await callServer(io, options, 'POST', `/api/v1/deployments/${encodeURIComponent(id)}/${verb}`, body)) as StrategyStatus;
      io.out(`${verb}: ${headline(status)}\n${trafficBar(status.traffic_percent)}\n`);
    });
  }),
];
