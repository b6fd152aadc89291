import { Command, Option } from 'commander';
import type { DeploymentMetrics } from '../../../libs/domain/metrics/deployment-metrics';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

const duration = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3_600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3_600);
  const minutes = Math.round((seconds % 3_600) / 60);
  return hours < 48 ? `${hours} h${minutes ? ` ${minutes} min` : ''}` : `${(seconds / 86_400).toFixed(1)} d`;
};
const percent = (ratio: number | null) => (ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`);

export const metricsCommand = (io: CliIo): Command =>
  withServerOptions(new Command('metrics').description('deployment metrics and the DORA keys, as a table'))
    .option('--product <name>')
    .option('--environment <name>')
    .option('--from <instant>', 'default: 30 days ago')
    .option('--to <instant>', 'default: now')
    .addOption(new Option('--bucket <size>').choices(['day', 'week', 'month']).default('day'))
    .option('--json', 'print JSON')
    .action(async (options: ServerOptions & { product?: string; environment?: string; from?: string; to?: string; bucket: string; json?: boolean }) => {
      const query = new URLSearchParams(
        Object.entries({ product: options.product, environment: options.environment, from: options.from, to: options.to, bucket: options.bucket }).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const m = (await callServer(io, options, 'GET', `/api/v1/metrics/deployments?${query.toString()}`)) as DeploymentMetrics;
      if (options.json) return io.out(`${JSON.stringify(m)}\n`);
      const rows: [string, string][] = [
        ['range', `${m.range.from} → ${m.range.to} (${m.range.days} days)`],
        ['deployments completed', String(m.deployments.completed)],
        ['deployments failed / aborted', `${m.deployments.failed} / ${m.deployments.aborted}`],
        ['deployments per day', String(m.deployments.frequency_per_day)],
        ['success rate', percent(m.deployments.success_rate)],
        ['time between deployments (median)', duration(m.deployments.time_between_deployments_seconds.median)],
        ['duration p50 / p90 / max', [m.deployments.duration_seconds.p50, m.deployments.duration_seconds.p90, m.deployments.duration_seconds.max].map(duration).join(' / ')],
        ['DORA production environments', m.dora.production_environments.join(', ') || '—'],
        ['DORA deployment frequency (per day)', String(m.dora.deployment_frequency_per_day)],
        ['DORA lead time for changes (median)', duration(m.dora.lead_time_for_changes_seconds.median)],
        ['DORA change failure rate', percent(m.dora.change_failure_rate)],
        ['DORA time to restore (median)', duration(m.dora.time_to_restore_seconds.median)],
        ['DORA rework rate', percent(m.dora.rework_rate)],
      ];
      const width = Math.max(...rows.map(([label]) => label.length));
      io.out(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n');
    });
