// Installs Debian's Chromium for the dashboard's browser tests if it is missing (never a downloaded browser).
// Never fails the test run: without Chromium the browser suite skips itself and says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
if (!root || !apt) {
  console.warn(`browser tests: ${CHROMIUM} is missing and cannot be installed here (${!apt ? 'no apt-get' : 'not root'}); they will be skipped.`);
  process.exit(0);
}
console.warn('browser tests: installing Debian chromium (apt-get install -y chromium)…');
const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'], { stdio: 'inherit', timeout: 15 * 60_000 });
if (install.status !== 0 || !existsSync(CHROMIUM)) console.warn('browser tests: chromium could not be installed; they will be skipped.');
