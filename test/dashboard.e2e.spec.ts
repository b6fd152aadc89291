import type { Browser, Page } from 'playwright-core';
import { eventually } from '../libs/testing/eventually';
import { browserUnavailable, launchBrowser, screenshot, signIn } from './support/browser';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

const unavailable = browserUnavailable();
if (unavailable) process.stdout.write(`dashboard browser tests skipped: ${unavailable}\n`);
const suite = unavailable ? describe.skip : describe;

const report = (product: string, version: string, status: string, extra: Record<string, unknown> = {}) => ({ product_name: product, environment_name: 'production', version, status, ...extra });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('dashboard (Debian Chromium driving the real server)', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;
  const post = (path: string, body: unknown) => server.request('POST', path, body);
  const cell = (product: string, version: string, status: string) => page.getByRole('link', { name: `${product} ${version} in production: ${status}` });

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    server = await startServer();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterEach(async () => {
    await page.close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('signs in, shows a deployment live, opens it, rolls back through the button and sees the board change', async () => {
    await post('/deployment-events/', report('api', '1.0.0', 'success'));
    await post('/deployment-events/', report('api', '2.0.0', 'success'));
    await signIn(page, server.url, TEST_ADMIN_TOKEN);
    await cell('api', '2.0.0', 'completed').waitFor();

    // Live: a deployment reported now appears without a reload (Server-Sent Events).
    await post('/deployment-events/', report('web', '3.1.0', 'deploying'));
    await cell('web', '3.1.0', 'started').waitFor({ timeout: 5_000 });
    await screenshot(page, 'board');

    await cell('api', '2.0.0', 'completed').click();
    await page.getByRole('heading', { name: 'api 2.0.0 → production' }).waitFor();
    await page.getByRole('list').filter({ hasText: 'completed by' }).waitFor();
    await screenshot(page, 'detail');

    await page.getByRole('button', { name: 'Rollback' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back api in production' });
    await dialog.getByLabel('Reason').fill('error rate up');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByRole('heading', { name: 'api 1.0.0 → production' }).waitFor();
    const rollbackId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    await page.getByText('error rate up').first().waitFor();

    // The pipeline finishes the rollback: the open detail page follows it live.
    await post('/deployment-events/', report('api', '1.0.0', 'success', { deployment_id: rollbackId }));
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 5_000 });
    await page.getByRole('link', { name: 'Board' }).click();
    await cell('api', '1.0.0', 'completed').waitFor();
  });

  it('shows the board as it was at an earlier instant (time travel)', async () => {
    await post('/deployment-events/', report('api', '1.0.0', 'success'));
    await pause(20);
    const between = new Date().toISOString();
    await pause(20);
    await post('/deployment-events/', report('api', '2.0.0', 'failed'));
    await signIn(page, server.url, TEST_ADMIN_TOKEN);
    await cell('api', '2.0.0', 'failed').waitFor();

    await page.goto(`${server.url}/#/?at=${encodeURIComponent(between)}`);
    await page.getByRole('heading', { name: /^Environments as of / }).waitFor();
    await cell('api', '1.0.0', 'completed').waitFor();
    expect(await cell('api', '2.0.0', 'failed').count()).toBe(0);
    await page.getByRole('link', { name: 'Back to now' }).click();
    await cell('api', '2.0.0', 'failed').waitFor();
  });

  it('shows actions only to roles allowed to use them', async () => {
    await post('/deployment-events/', report('api', '1.0.0', 'success'));
    const { deployment_id: id } = (await post('/deployment-events/', report('api', '2.0.0', 'success'))).body as { deployment_id: string };
    const viewer = (await post('/api/v1/tokens', { name: 'watcher', role: 'viewer' })).body.token as string;
    const operator = (await post('/api/v1/tokens', { name: 'oncall', role: 'operator' })).body.token as string;

    await signIn(page, server.url, viewer);
    await page.goto(`${server.url}/#/deployments/${id}`);
    await page.getByRole('heading', { name: 'api 2.0.0 → production' }).waitFor();
    expect(await page.getByRole('button', { name: 'Rollback' }).count()).toBe(0);
    expect(await page.getByText('watcher').count()).toBe(1);

    const other = await browser.newPage();
    try {
      await signIn(other, server.url, operator);
      await other.goto(`${server.url}/#/deployments/${id}`);
      await other.getByRole('button', { name: 'Rollback' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('refuses a bad token on the login page with a clear message', async () => {
    await page.goto(server.url);
    await page.getByLabel('Token').fill('not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token is unknown, revoked or expired.' }).waitFor();
  });

  it('marks locked and frozen environments on the board, and works on a phone in dark mode', async () => {
    await post('/deployment-events/', report('api', '1.0.0', 'success'));
    await post('/deployment-events/', { ...report('api', '1.0.0', 'success'), environment_name: 'staging' });
    expect((await post('/api/v1/environments/production/lock', { reason: 'incident 42' })).status).toBeLessThan(300);
    const freeze = { start: new Date(Date.now() - 60_000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString(), reason: 'black friday' };
    const patched = await server.request('PATCH', '/api/v1/environments/staging', { policies: { mode: 'enforced', freezes: [freeze], weekly_freezes: [], maintenance_window: null, require_upstream: false } });
    expect(patched.status).toBe(200);

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      await signIn(phone, server.url, TEST_ADMIN_TOKEN);
      await phone.getByText(/^locked by SHIPLOG_ADMIN_TOKEN: incident 42/).waitFor({ state: 'attached' });
      await phone.getByText(/^freeze .*: black friday/).waitFor({ state: 'attached' });
      const background = await phone.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(background).toBe('rgb(13, 17, 23)');
      await screenshot(phone, 'board-phone-dark');
    } finally {
      await phone.close();
    }
  });

  it('filters the history, pages through it, and links each row to the board as it was then', async () => {
    for (let i = 0; i < 55; i += 1) await post('/deployment-events/', report('api', `1.0.${i}`, i === 54 ? 'failed' : 'success'));
    await post('/deployment-events/', report('web', '2.0.0', 'success'));
    await signIn(page, server.url, TEST_ADMIN_TOKEN);
    await page.goto(`${server.url}/#/history?product=api`);
    const rows = page.getByRole('table').getByRole('row');
    await rows.nth(50).waitFor(); // header + the first page of 50
    expect(await rows.count()).toBe(51);
    expect(await page.getByRole('cell', { name: 'web' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Load more' }).click();
    await rows.nth(55).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failed/);
    await eventually(async () => expect(await rows.count()).toBe(2));
    await page.getByRole('cell', { name: '1.0.54' }).waitFor();
    await page.getByRole('link', { name: /^The board as of / }).click();
    await page.getByRole('heading', { name: /^Environments as of / }).waitFor();
  });

  it('charts metrics, and locks an environment from its page so the board shows it', async () => {
    await server.request('PATCH', '/api/v1/environments/production', { production: true });
    for (const [version, status] of [['1.0.0', 'success'], ['1.1.0', 'failed'], ['1.2.0', 'success']] as const) await post('/deployment-events/', report('api', version, status));
    await signIn(page, server.url, TEST_ADMIN_TOKEN);
    await page.goto(`${server.url}/#/metrics?product=api&environment=production`);
    await page.getByRole('heading', { name: 'DORA keys' }).waitFor();
    await page.getByText('Deployment frequency').first().waitFor();
    expect(await page.getByRole('img').count()).toBeGreaterThan(0);
    await screenshot(page, 'metrics');

    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('link', { name: 'production' }).first().click();
    await page.getByRole('heading', { name: 'production', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Lock production' });
    await dialog.getByLabel(/^Reason/).fill('database migration');
    await dialog.getByRole('button', { name: 'Confirm lock' }).click();
    await page.getByRole('button', { name: 'Unlock' }).waitFor();
    await screenshot(page, 'environment');
    await page.getByRole('link', { name: 'Board' }).click();
    await page.getByText(/^locked by SHIPLOG_ADMIN_TOKEN: database migration/).waitFor({ state: 'attached' });
  });
});
