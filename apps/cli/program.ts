import { releaseCommand } from './commands/release';
import { gitopsCommand } from './commands/gitops';
import { Command } from 'commander';
import { artifactsCommand } from './commands/artifacts';
import { auditCommand } from './commands/audit';
import { checkCommand } from './commands/check';
import { metricsCommand } from './commands/metrics';
import { migrateCommand } from './commands/migrate';
import { operateCommands } from './commands/operate';
import { strategyCommands } from './commands/strategy';
import { projectionsCommand } from './commands/projections';
import { tokensCommand } from './commands/tokens';
import { trackCommand } from './commands/track';
import { packageVersion } from './package-info';

export type CliIo = { out: (text: string) => void; err: (text: string) => void; env: NodeJS.ProcessEnv };

/** The `shiplog` command line; each command group adds itself here. */
export const buildProgram = (io: CliIo): Command => {
  const version = packageVersion();
  const program = new Command('shiplog')
    .description('Shiplog: deployment ledger and control plane.\nServer URL and token come from SHIPLOG_URL and SHIPLOG_TOKEN.')
    .version(version, '-V, --version', 'print the CLI version')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run "shiplog --help" for usage)');

  program
    .command('version')
    .description('print the CLI version and the Node.js runtime')
    .action(() => io.out(`shiplog ${version} (node ${process.version})\n`));

  program.addCommand(trackCommand(io));
  program.addCommand(tokensCommand(io));
  program.addCommand(auditCommand(io));
  program.addCommand(projectionsCommand(io));
  program.addCommand(migrateCommand(io));
  program.addCommand(metricsCommand(io));
  program.addCommand(checkCommand(io));
  program.addCommand(artifactsCommand(io));
  program.addCommand(releaseCommand(io));
  program.addCommand(gitopsCommand(io));
  for (const command of operateCommands(io)) program.addCommand(command);
  for (const command of strategyCommands(io)) program.addCommand(command);
  return program;
};
