import { Command } from 'commander';
import { CliExit } from '../exit';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

export const EXIT_BLOCKED = 5;

type Check = { allowed: boolean; mode: string; approvals_required: number; violations: { rule: string; detail: string; opens_at: string | null }[] };

/** `shiplog check`: a CI gate — exit 0 when the deployment would be allowed now, 5 when a policy blocks it. */
export const checkCommand = (io: CliIo): Command =>
  withServerOptions(new Command('check').description('would deploying this version be allowed now? exit 5 when a policy blocks it'))
    .requiredOption('-p, --product <name>')
    .requiredOption('-e, --environment <name>')
    .option('-v, --version <version>')
    .option('--kind <kind>', 'deploy, rollback or promotion', 'deploy')
    .option('--at <instant>', 'a scheduled time to check against the maintenance window')
    .action(async (options: ServerOptions & { product: string; environment: string; version?: string; kind: string; at?: string }) => {
      const query = new URLSearchParams({ product: options.product, environment: options.environment, kind: options.kind, ...(options.version ? { version: options.version } : {}), ...(options.at ? { scheduled_at: options.at } : {}) });
      const check = (await callServer(io, options, 'GET', `/api/v1/policies/check?${query.toString()}`)) as Check;
      const lines = check.violations.map((v) => `  ${v.rule}: ${v.detail}${v.opens_at ? ` (opens at ${v.opens_at})` : ''}`);
      if (!check.allowed) throw new CliExit(EXIT_BLOCKED, `✘ blocked in ${options.environment}:\n${lines.join('\n')}\n`);
      io.out(
        `✔ allowed in ${options.environment}${check.approvals_required ? ` (needs ${check.approvals_required} approval${check.approvals_required > 1 ? 's' : ''})` : ''}\n` +
          (lines.length ? `  reported (${check.mode === 'report_only' ? 'report-only mode' : 'overridden'}):\n${lines.join('\n')}\n` : ''),
      );
    });
