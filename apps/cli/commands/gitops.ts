import { Command, InvalidArgumentError } from 'commander';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

type Source = { source_id: string; repo_url: string; branch: string; path: string; interval_seconds: number; last_commit: string | null; last_outcome: string | null; last_at: string | null };
type Change = { product: string; environment: string; current: string | null; desired: string; action: string; deployment_id?: string | null; error?: string | null };

const short = (commit: string | null) => (commit ? commit.slice(0, 7) : '-');

const renderSource = (s: Source) =>
  `${s.source_id}  ${s.repo_url} ${s.branch}:${s.path} every ${s.interval_seconds} s, last ${s.last_outcome ?? 'never synced'} ${short(s.last_commit)}${s.last_at ? ` at ${s.last_at}` : ''}\n`;

/** One line per change: `api  production  1.2.2 → 1.2.3  deploy  (deployment …)`. */
const renderChanges = (changes: Change[]) =>
  changes.length === 0
    ? '  in sync: nothing to change\n'
    : changes
        .map((c) => `  ${c.product.padEnd(16)} ${c.environment.padEnd(14)} ${(c.current ?? '-').padStart(10)} → ${c.desired.padEnd(10)} ${c.action}${c.deployment_id ? `  (deployment ${c.deployment_id})` : ''}${c.error ? `  refused: ${c.error}` : ''}\n`)
        .join('');

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of seconds, got "${value}"`);
  return n;
};

/** `shiplog gitops add|list|diff|sync|remove`: repositories of desired versions (seed 004 GitOpsSynchronizer). */
export const gitopsCommand = (io: CliIo): Command => {
  const gitops = new Command('gitops').description('GitOps: deploy what a git repository of manifests declares');
  const base = '/api/v1/gitops/sources';
  gitops.addCommand(
    withServerOptions(new Command('add').description('watch a repository (admin)'))
      .argument('<repo-url>', 'file:// or https://')
      .option('--branch <name>', 'branch to watch', 'main')
      .option('--path <dir>', 'directory of the manifests in the repository', '/')
      .option('--interval <seconds>', 'seconds between polls of the branch', seconds)
      .option('--token-variable <env:NAME>', 'https: the secret variable holding the token, as environment:NAME')
      .action(async (repoUrl: string, options: ServerOptions & { branch: string; path: string; interval?: number; tokenVariable?: string }) => {
        const [environment, variable] = options.tokenVariable?.split(':') ?? [];
        const body = {
          repo_url: repoUrl,
          branch: options.branch,
          path: options.path,
          ...(options.interval ? { interval: options.interval } : {}),
          ...(options.tokenVariable ? { credentials: { environment, variable } } : {}),
        };
        io.out(renderSource((await callServer(io, options, 'POST', base, body)) as Source));
      }),
  );
  gitops.addCommand(
    withServerOptions(new Command('list').description('watched repositories and their last synced commit')).action(async (options: ServerOptions) => {
      const { items } = (await callServer(io, options, 'GET', base)) as { items: Source[] };
      io.out(items.length ? items.map(renderSource).join('') : 'no GitOps sources\n');
    }),
  );
  gitops.addCommand(
    withServerOptions(new Command('diff').description('what differs between the branch head and the environments'))
      .argument('<source-id>')
      .action(async (id: string, options: ServerOptions) => {
        const diff = (await callServer(io, options, 'GET', `${base}/${encodeURIComponent(id)}/diff`)) as { commit: string; changes: Change[] };
        io.out(`at ${short(diff.commit)}:\n${renderChanges(diff.changes)}`);
      }),
  );
  gitops.addCommand(
    withServerOptions(new Command('sync').description('deploy what the branch head declares (operator)'))
      .argument('<source-id>')
      .action(async (id: string, options: ServerOptions) => {
        const result = (await callServer(io, options, 'POST', `${base}/${encodeURIComponent(id)}/sync`)) as { commit: string; changes: Change[]; drift: Change[] };
        io.out(`synced ${short(result.commit)}:\n${renderChanges(result.changes)}${result.drift.length ? `drift left alone:\n${renderChanges(result.drift)}` : ''}`);
      }),
  );
  gitops.addCommand(
    withServerOptions(new Command('remove').description('stop watching a repository (admin)'))
      .argument('<source-id>')
      .action(async (id: string, options: ServerOptions) => {
        await callServer(io, options, 'DELETE', `${base}/${encodeURIComponent(id)}`);
        io.out(`removed ${id}\n`);
      }),
  );
  return gitops;
};
