import { Command, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import { detectCi } from '../ci-context';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

const jsonObject = (value: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object, e.g. \'{"error": "timeout"}\'');
};

type CommonOptions = ServerOptions & {
  product: string;
  version: string;
  status: string;
  sha?: string;
  branch?: string;
  buildUrl?: string;
  metadata?: Record<string, unknown>;
  occurredAt?: string;
  eventId?: string;
  json?: boolean;
};

const withCommonOptions = (command: Command, io: CliIo): Command =>
  withServerOptions(command)
    .requiredOption('-p, --product <name>', 'product name')
    .requiredOption('-v, --version <version>', 'version')
    .requiredOption('-s, --status <status>', 'status, any alias (e.g. started, deploying, success, failed, cancelled)')
    .option('--sha <sha>', 'commit (default: from the CI environment)')
    .option('--branch <branch>', 'branch (default: from the CI environment)')
    .option('--build-url <url>', 'link to the CI run (default: from the CI environment)')
    .option('--metadata <json>', 'extra_metadata as a JSON object', jsonObject)
    .option('--occurred-at <instant>', 'when it happened (ISO 8601); default: now')
    .option('--event-id <key>', 'idempotency key; default: a fresh one per invocation, reused by its retries')
    .option('--json', 'print the server response as JSON')
    .configureOutput({ writeOut: io.out, writeErr: io.err });

/** `shiplog track deployment|build`: report CI lifecycle events, with the CI run's facts filled in. */
export const trackCommand = (io: CliIo): Command => {
  const track = new Command('track').description('report a deployment or build status from a CI job');

  const send = async (path: string, body: Record<string, unknown>, options: CommonOptions) => {
    // One key per invocation: the retries of this invocation can never record the event twice.
    const key = options.eventId ?? `cli-${randomUUID()}`;
    const result = (await callServer(io, options, 'POST', path, body, { 'idempotency-key': key })) as Record<string, string | boolean>;
    if (options.json) return io.out(`${JSON.stringify(result)}\n`);
    const what = result['deployment_id'] ? `deployment ${String(result['deployment_id'])}` : `build ${String(result['build_id'])}`;
    const where = result['environment_name'] ? ` → ${String(result['environment_name'])}` : '';
    io.out(`${String(result['event_type'])} ${String(result['product_name'])} ${String(result['version'])}${where} (${what})${result['duplicate'] ? ' [duplicate: already recorded]' : ''}\n`);
  };

  const facts = (options: CommonOptions) => {
    const ci = detectCi(io.env);
    return Object.fromEntries(
      Object.entries({
        product_name: options.product,
        version: options.version,
        status: options.status,
        scm_sha: options.sha ?? ci.scm_sha,
        scm_branch: options.branch ?? ci.scm_branch,
        build_url: options.buildUrl ?? ci.build_url,
        extra_metadata: options.metadata,
        occurred_at: options.occurredAt,
      }).filter(([, v]) => v !== undefined),
    );
  };

  track.addCommand(
    withCommonOptions(new Command('deployment').description('report a deployment status (POST /deployment-events/)'), io)
      .requiredOption('-e, --environment <name>', 'environment name')
      .option('--deployed-by <who>', 'who deployed (default: the CI actor)')
      .option('--deployment-id <id>', 'the deployment Shiplog issued, when reporting on a requested deployment')
      .action((options: CommonOptions & { environment: string; deployedBy?: string; deploymentId?: string }) =>
        send(
          '/deployment-events/',
          {
            ...facts(options),
            environment_name: options.environment,
            ...((options.deployedBy ?? detectCi(io.env).actor) ? { deployed_by: options.deployedBy ?? detectCi(io.env).actor } : {}),
            ...(options.deploymentId ? { deployment_id: options.deploymentId } : {}),
          },
          options,
        ),
      ),
  );

  track.addCommand(
    withCommonOptions(new Command('build').description('report a build status (POST /build-events/)'), io)
      .option('--built-by <who>', 'who or what built it (default: the CI system)')
      .action((options: CommonOptions & { builtBy?: string }) => {
        const builtBy = options.builtBy ?? detectCi(io.env).system ?? undefined;
        return send('/build-events/', { ...facts(options), ...(builtBy ? { built_by: builtBy } : {}) }, options);
      }),
  );
  return track;
};
