import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Runs the installed entry point (`npx shiplog` runs bin/shiplog.js) on the compiled CLI. */
const shiplog = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/shiplog.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('shiplog CLI', () => {
  it('prints help listing its commands', () => {
    const result = shiplog('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: shiplog/);
    expect(result.stdout).toMatch(/version\s+print the CLI version/);
  });

  it('prints its version', () => {
    expect(shiplog('version').stdout).toBe(`shiplog ${version} (node ${process.version})\n`);
    expect(shiplog('--version').stdout.trim()).toBe(version);
  });

  it('exits non-zero on an unknown command, with a hint', () => {
    const result = shiplog('deploy-everything');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'deploy-everything'/);
    expect(result.stderr).toMatch(/shiplog --help/);
  });
});
