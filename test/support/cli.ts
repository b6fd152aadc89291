import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export type CliResult = { code: number; stdout: string; stderr: string };

/**
 * Runs the installed entry point (what `npx shiplog` runs) asynchronously, so an in-process test server keeps
 * serving while the CLI talks to it. The environment is replaced, not merged, to keep CI variables out.
 */
export const runCli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/shiplog.js'), ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
