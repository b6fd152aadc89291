import { CommanderError } from 'commander';
import { CliExit } from './exit';
import { buildProgram } from './program';

const program = buildProgram({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
program.exitOverride();
for (const command of program.commands) command.exitOverride();

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CliExit) {
    process.stderr.write(error.message);
    process.exit(error.code);
  }
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`shiplog: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
