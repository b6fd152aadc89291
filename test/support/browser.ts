import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webRoot } from '../../apps/server/dashboard/dashboard.module';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** Why the browser suite cannot run here, or null when it can (Debian's Chromium and a built dashboard). */
export const browserUnavailable = (): string | null => {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (test/support/ensure-chromium.mjs installs it where apt-get and root are available)`;
  if (!existsSync(join(webRoot(), 'index.html'))) return 'the dashboard is not built (npm run build)';
  return null;
};

export const launchBrowser = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });

/** Signs in through the login page, as a person would. */
export const signIn = async (page: Page, url: string, token: string): Promise<void> => {
  await page.goto(url);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
};
