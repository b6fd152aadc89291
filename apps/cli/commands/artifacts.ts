import { Command } from 'commander';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

type Deleted = { id: string; product: string; version: string; name: string; size: number };

/** `shiplog artifacts cleanup [--dry-run]`: apply the retention policy. */
export const artifactsCommand = (io: CliIo): Command => {
  const artifacts = new Command('artifacts').description('build artifacts');
  artifacts.addCommand(
    withServerOptions(new Command('cleanup').description('delete artifacts outside retention (newest versions per product and anything deployed are kept)'))
      .option('--dry-run', 'list what would be deleted, delete nothing')
      .action(async (options: ServerOptions & { dryRun?: boolean }) => {
        const result = (await callServer(io, options, 'POST', `/api/v1/artifacts/cleanup?dry_run=${options.dryRun ? 'true' : 'false'}`)) as { deleted: Deleted[] };
        const verb = options.dryRun ? 'would delete' : 'deleted';
        io.out(result.deleted.map((a) => `${verb} ${a.product} ${a.version} ${a.name} (${a.size} bytes, ${a.id})\n`).join('') + `${result.deleted.length} artifact(s) ${verb}\n`);
      }),
  );
  return artifacts;
};
