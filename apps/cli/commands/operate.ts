import { Command } from 'commander';
import { CliExit, EXIT_REJECTED, EXIT_UNREACHABLE } from '../exit';
import type { CliIo } from '../program';
import { callServer, pollUntilFinished, withServerOptions, withWait, type ServerOptions } from './server-call';
import { parseStrategyOption } from './strategy';

type Accepted = { deployment_id: string | null; status: string; phase: string | null };
type Deployment = { id: string; product: string; environment: string; version: string; status: string; phase: string | null; kind: string; extra_metadata: { error?: string } };
type LogLine = { seq: number; at: string; stream: string; line: string };

const TERMINAL = ['completed', 'failed', 'aborted'];

const describe = (verb: string, accepted: Accepted) =>
  `${verb}: deployment ${accepted.deployment_id ?? '-'} is ${accepted.status}${accepted.phase ? ` (${accepted.phase.replace('_', ' ')})` : ''}\n`;

const describeDeployment = (deployment: Deployment) =>
  `  ${deployment.product} ${deployment.version} → ${deployment.environment}: ${deployment.status}${deployment.phase ? ` (${deployment.phase})` : ''}\n`;
const deploymentOutcome = (deployment: Deployment): null | true | string =>
  !TERMINAL.includes(deployment.status) ? null : deployment.status === 'completed' ? true : `${deployment.status}${deployment.extra_metadata.error ? `: ${deployment.extra_metadata.error}` : ''}`;

const finish = async (io: CliIo, options: ServerOptions & { wait?: boolean; timeout?: string }, verb: string, accepted: Accepted) => {
  io.out(describe(verb, accepted));
  if (!options.wait || !accepted.deployment_id) return;
  const id = accepted.deployment_id;
  await pollUntilFinished(io, options, `/deployments/${encodeURIComponent(id)}`, { name: `deployment ${id}`, describe: describeDeployment, outcome: deploymentOutcome }, Number(options.timeout ?? 1800));
};

/** Streams `GET …/logs?follow=1` (Server-Sent Events) to stdout until the deployment ends. */
const followLogs = async (io: CliIo, options: ServerOptions, id: string): Promise<void> => {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/deployments/${encodeURIComponent(id)}/logs?follow=1`, options.url), {
      headers: { accept: 'text/event-stream', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    });
  } catch (error) {
    throw new CliExit(EXIT_UNREACHABLE, `shiplog: cannot reach ${options.url}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (!response.ok || !response.body) throw new CliExit(EXIT_REJECTED, `shiplog: HTTP ${response.status}: ${await response.text()}\n`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event = /^event: (.*)$/m.exec(message)?.[1];
      const data = /^data: (.*)$/m.exec(message)?.[1] ?? '{}';
      if (event === 'line') io.out(`${(JSON.parse(data) as LogLine).line}\n`);
      if (event === 'end') return void io.err(`-- deployment ${(JSON.parse(data) as { status: string }).status}\n`);
    }
  }
};

/** Operator commands: deploy, cancel, rollback, promote, approve/reject, unpin, status, logs. */
export const operateCommands = (io: CliIo): Command[] => [
  withWait(withServerOptions(new Command('deploy').description('deploy a version to an environment')), 'deployment', 1800)
    .argument('<product>')
    .argument('<version>')
    .requiredOption('-e, --env <environment>', 'target environment')
    .option('--reason <text>', 'why (recorded with the request)')
    .option('--at <instant>', 'schedule it (ISO 8601)')
    .option('--force', 'deploy a version with no completed build (needs --reason)')
    .option('--strategy <strategy>', 'canary, blue_green, rolling or direct, or JSON with parameters: \'{"name":"canary","increment":25}\'')
    .action(async (product: string, version: string, options: ServerOptions & { env: string; reason?: string; at?: string; force?: boolean; wait?: boolean; strategy?: string }) => {
      const body = {
        application: product,
        version,
        environment: options.env,
        ...(options.reason ? { reason: options.reason } : {}),
        ...(options.at ? { scheduled_at: options.at } : {}),
        ...(options.force ? { force: true } : {}),
        ...(options.strategy ? { config: { strategy: parseStrategyOption(options.strategy) } } : {}),
      };
      await finish(io, options, 'deploy', (await callServer(io, options, 'POST', '/api/v1/deployments', body)) as Accepted);
    }),

  withServerOptions(new Command('cancel').description('cancel an in-flight deployment'))
    .argument('<deployment-id>')
    .option('--reason <text>')
    .action(async (id: string, options: ServerOptions & { reason?: string }) => {
      io.out(describe('cancel', (await callServer(io, options, 'POST', `/api/deployments/${encodeURIComponent(id)}/cancel`, options.reason ? { reason: options.reason } : {})) as Accepted));
    }),

  withWait(withServerOptions(new Command('rollback').description('roll a product back in an environment (default: to the previous successful version); pins the lane')), 'deployment', 1800)
    .argument('<product>')
    .requiredOption('-e, --env <environment>')
    .option('--version <version>', 'a version that completed there before')
    .option('--reason <text>')
    .action(async (product: string, options: ServerOptions & { env: string; version?: string; reason?: string }) => {
      const body = { product, ...(options.version ? { version: options.version } : {}), ...(options.reason ? { reason: options.reason } : {}) };
      await finish(io, options, 'rollback', (await callServer(io, options, 'POST', `/api/v1/environments/${encodeURIComponent(options.env)}/rollback`, body)) as Accepted);
    }),

  withWait(withServerOptions(new Command('promote').description('promote the version completed in one environment to the next')), 'deployment', 1800)
    .argument('<product>')
    .requiredOption('--from <environment>')
    .requiredOption('--to <environment>')
    .option('--version <version>', 'default: the version currently completed in --from')
    .action(async (product: string, options: ServerOptions & { from: string; to: string; version?: string }) => {
      const body = { product, from: options.from, to: options.to, ...(options.version ? { version: options.version } : {}) };
      await finish(io, options, 'promote', (await callServer(io, options, 'POST', '/api/v1/promotions', body)) as Accepted);
    }),

  ...(['approve', 'reject'] as const).map((verb) =>
    withServerOptions(new Command(verb).description(`${verb} a deployment request`))
      .argument('<deployment-id>')
      .option('--comment <text>')
      .action(async (id: string, options: ServerOptions & { comment?: string }) => {
        io.out(describe(verb, (await callServer(io, options, 'POST', `/api/v1/deployments/${encodeURIComponent(id)}/${verb}`, options.comment ? { comment: options.comment } : {})) as Accepted));
      }),
  ),

  withServerOptions(new Command('unpin').description('release a lane pinned by a rollback'))
    .argument('<product>')
    .requiredOption('-e, --env <environment>')
    .action(async (product: string, options: ServerOptions & { env: string }) => {
      await callServer(io, options, 'POST', `/api/v1/lanes/${encodeURIComponent(product)}/${encodeURIComponent(options.env)}/unpin`);
      io.out(`unpinned ${product} in ${options.env}\n`);
    }),

  withServerOptions(new Command('status').description("a product's state: every environment, or one with --env"))
    .argument('<product>')
    .option('-e, --env <environment>')
    .option('--json', 'print JSON')
    .action(async (product: string, options: ServerOptions & { env?: string; json?: boolean }) => {
      if (options.env) {
        const status = await callServer(io, options, 'GET', `/api/v1/environments/${encodeURIComponent(options.env)}/status?product=${encodeURIComponent(product)}`);
        return io.out(options.json ? `${JSON.stringify(status)}\n` : `${Object.entries(status as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n')}\n`);
      }
      const state = (await callServer(io, options, 'GET', `/state?product=${encodeURIComponent(product)}`)) as {
        environments: string[];
        rows: { environments: Record<string, { current_version: string | null; status: string; latest_version: string; drift: { upstream: string } | null } | null> }[];
      };
      if (options.json) return io.out(`${JSON.stringify(state)}\n`);
      const cells = state.rows[0]?.environments ?? {};
      const lines = state.environments.map((env) => {
        const cell = cells[env];
        return `${env.padEnd(20)} ${cell ? `${(cell.current_version ?? '-').padEnd(16)} ${cell.status}${cell.latest_version !== cell.current_version ? ` (latest ${cell.latest_version})` : ''}${cell.drift ? `  ≠ ${cell.drift.upstream}` : ''}` : '-'}`;
      });
      io.out(`${'ENVIRONMENT'.padEnd(20)} ${'VERSION'.padEnd(16)} STATUS\n${lines.join('\n')}\n`);
    }),

  withServerOptions(new Command('state').description('the environment × product matrix, now or as it was at an instant'))
    .option('--at <instant>', 'time travel: show it as it was then (ISO 8601)')
    .option('--product <name>', 'one product only')
    .option('--json', 'print JSON')
    .action(async (options: ServerOptions & { at?: string; product?: string; json?: boolean }) => {
      const query = new URLSearchParams({ ...(options.at ? { at: options.at } : {}), ...(options.product ? { product: options.product } : {}) });
      const state = (await callServer(io, options, 'GET', `/api/v1/state?${query.toString()}`)) as {
        environments: string[];
        rows: { product: string; environments: Record<string, { current_version: string | null; status: string; drift: unknown } | null> }[];
      };
      if (options.json) return io.out(`${JSON.stringify(state)}\n`);
      const table = [
        ['PRODUCT', ...state.environments],
        ...state.rows.map((row) => [row.product, ...state.environments.map((env) => {
          const cell = row.environments[env];
          return cell ? `${cell.current_version ?? '-'} ${cell.status}${cell.drift ? ' ≠' : ''}` : '-';
        })]),
      ];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
      io.out(`${options.at ? `as of ${options.at}\n` : ''}${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
    }),

  withServerOptions(new Command('logs').description("a deployment's log; -f follows it until the deployment ends"))
    .argument('<deployment-id>')
    .option('-f, --follow', 'stream new lines as they come')
    .action(async (id: string, options: ServerOptions & { follow?: boolean }) => {
      if (options.follow) return followLogs(io, options, id);
      const { items } = (await callServer(io, options, 'GET', `/api/deployments/${encodeURIComponent(id)}/logs`)) as { items: LogLine[] };
      io.out(items.map((l) => `${l.line}\n`).join(''));
    }),
];
