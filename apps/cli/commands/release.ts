import { Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../program';
import { callServer, pollUntilFinished, withServerOptions, withWait, type ServerOptions } from './server-call';

type Release = {
  release_id: string;
  name: string;
  environment: string;
  status: string;
  reason: string | null;
  progress: { completed: number; total: number };
  applications: { name: string; version: string; status: string; reason: string | null }[];
};

const FINISHED = ['completed', 'failed', 'cancelled'];

const render = (release: Release): string =>
  `release ${release.release_id} "${release.name}" → ${release.environment}: ${release.status} (${release.progress.completed}/${release.progress.total})${release.reason ? `: ${release.reason}` : ''}\n` +
  release.applications.map((a) => `  ${a.name} ${a.version}: ${a.status}${a.reason ? ` (${a.reason})` : ''}\n`).join('');

/** `name@version` → an application of the release. */
const parseApplication = (value: string, previous: { name: string; version: string }[] = []) => {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError(`expected name@version, got "${value}"`);
  return [...previous, { name: value.slice(0, at), version: value.slice(at + 1) }];
};

const releaseOutcome = (release: Release): null | true | string =>
  !FINISHED.includes(release.status) ? null : release.status === 'completed' ? true : `${release.status}${release.reason ? `: ${release.reason}` : ''}`;

type WaitOptions = ServerOptions & { wait?: boolean; timeout?: string };
const finish = async (io: CliIo, options: WaitOptions, release: Release) => {
  io.out(render(release));
  if (!options.wait) return;
  const id = release.release_id;
  await pollUntilFinished(io, options, `/api/v1/releases/${encodeURIComponent(id)}`, { name: `release ${id}`, describe: render, outcome: releaseOutcome }, Number(options.timeout ?? 3600));
};

/** `shiplog release create|status|approve|reject|cancel`: several applications shipped together (seed 002 §4). */
export const releaseCommand = (io: CliIo): Command => {
  const release = new Command('release').description('releases: several applications deployed to one environment, in order, rolled back together');
  release.addCommand(
    withWait(withServerOptions(new Command('create').description('create a release')), 'release', 3600)
      .argument('<name>')
      .requiredOption('-e, --env <environment>', 'target environment')
      .requiredOption('--app <name@version>', 'an application (repeat, in deployment order)', parseApplication)
      .option('--start <instant>', 'not before this instant (ISO 8601)')
      .option('--approvals <n>', 'approvals needed before it starts', '0')
      .action(async (name: string, options: WaitOptions & { env: string; app: { name: string; version: string }[]; start?: string; approvals: string }) => {
        const body = { name, environment: options.env, applications: options.app, approval_required: Number(options.approvals), ...(options.start ? { schedule: { start_time: options.start } } : {}) };
        await finish(io, options, (await callServer(io, options, 'POST', '/api/v1/releases', body)) as Release);
      }),
  );
  release.addCommand(
    withWait(withServerOptions(new Command('status').description("a release and each application's progress")), 'release', 3600)
      .argument('<release-id>')
      .action(async (id: string, options: WaitOptions) => finish(io, options, (await callServer(io, options, 'GET', `/api/v1/releases/${encodeURIComponent(id)}`)) as Release)),
  );
  for (const verb of ['approve', 'reject'] as const) {
    release.addCommand(
      withServerOptions(new Command(verb).description(`${verb} a release awaiting approval (not its creator)`))
        .argument('<release-id>')
        .option('--comment <text>', 'with reject: why')
        .action(async (id: string, options: ServerOptions & { comment?: string }) => {
          const body = verb === 'reject' && options.comment ? { comment: options.comment } : {};
          io.out(render((await callServer(io, options, 'POST', `/api/v1/releases/${encodeURIComponent(id)}/${verb}`, body)) as Release));
        }),
    );
  }
  release.addCommand(
    withServerOptions(new Command('cancel').description('cancel a release: stops the application being deployed, rolls back the deployed ones'))
      .argument('<release-id>')
      .option('--reason <text>')
      .action(async (id: string, options: ServerOptions & { reason?: string }) =>
        void io.out(render((await callServer(io, options, 'POST', `/api/v1/releases/${encodeURIComponent(id)}/cancel`, options.reason ? { reason: options.reason } : {})) as Release)),
      ),
  );
  return release;
};
