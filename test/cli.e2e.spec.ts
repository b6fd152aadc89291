import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from './support/cli';

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const shiplog = (...args: string[]) => runCli(args);

describe('shiplog CLI', () => {
  it('prints help listing its commands', async () => {
    const result = await shiplog('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: shiplog/);
    expect(result.stdout).toMatch(/version\s+print the CLI version/);
    expect(result.stdout).toMatch(/track\s+report a deployment or build status/);
  });

  it('prints its version', async () => {
    expect((await shiplog('version')).stdout).toBe(`shiplog ${version} (node ${process.version})\n`);
    expect((await shiplog('--version')).stdout.trim()).toBe(version);
  });

  it('exits non-zero on an unknown command, with a hint', async () => {
    const result = await shiplog('deploy-everything');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'deploy-everything'/);
    expect(result.stderr).toMatch(/shiplog --help/);
  });
});
