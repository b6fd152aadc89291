import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_REJECTED } from '../apps/cli/exit';
import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';
import { runCli } from './support/cli';
import { settled, startServer } from './support/server';

/** Every stored column but the position (the target's own), in global order. */
const storedRows = (dataDir: string) => {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT id, stream, revision, type, schema_version, occurred_at, recorded_at, data, metadata, idempotency_key FROM events ORDER BY position')
      .all();
  } finally {
    db.close();
  }
};

describe('shiplog migrate', () => {
  let dir: string;
  let source: string;
  let sourceDeployments: unknown;
  let sourceRows: unknown[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-migrate-'));
    source = join(dir, 'source');
    const server = await startServer({ dataDir: source });
    for (const [product, environment, version, status] of [
      ['api', 'staging', '1.0.0', 'success'],
      ['api', 'production', '1.0.0', 'started'],
      ['api', 'production', '1.0.0', 'success'],
      ['web', 'production', '2.0.0', 'failed'],
      ['api', 'production', '1.1.0', 'started'],
    ]) {
      const posted = await server.request('POST', '/deployment-events/', { product_name: product, environment_name: environment, version, status, deployed_by: 'ci' });
      expect(posted.status).toBeLessThan(300);
    }
    await server.request('POST', '/build-events/', { product_name: 'api', version: '1.1.0', status: 'built', scm_sha: 'abc' });
    await server.request('PUT', '/api/v1/environments/production/variables/LOG_LEVEL', { value: 'info' });
    await settled(server);
    sourceDeployments = (await server.request('GET', '/deployments/?limit=100')).body;
    await server.stop();
    sourceRows = storedRows(source);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('copies every event as stored; the copy verifies, rebuilds, and serves the same deployments', async () => {
    const target = join(dir, 'copy');
    const migrated = await runCli(['migrate', '--from', `sqlite://${source}`, '--to', `sqlite://${target}`, '--batch', '3']);
    expect(migrated).toMatchObject({ code: 0, stderr: expect.stringMatching(/events\/s/) });
    expect(migrated.stdout).toContain(`verified ${sourceRows.length} events`);
    expect(migrated.stdout).toMatch(new RegExp(`migrated ${sourceRows.length} events in [\\d.]+ s \\(\\d+ events/s\\)`));
    expect(migrated.stdout).toContain(`shiplog projections rebuild --data-dir ${target}`);
    expect(sourceRows.length).toBeGreaterThan(8);
    expect((sourceDeployments as { items: unknown[] }).items).toHaveLength(4);
    expect(storedRows(target)).toEqual(sourceRows);

    expect(await runCli(['audit', 'verify', '--data-dir', target])).toMatchObject({ code: 0, stdout: expect.stringMatching(/every hash chain is intact/) });
    const rebuilt = await runCli(['projections', 'rebuild', '--data-dir', target]);
    expect(rebuilt).toMatchObject({ code: 0, stdout: expect.stringMatching(/rebuilt deployments, builds, .*: \d+ events/) });

    const server = await startServer({ dataDir: target });
    try {
      await settled(server);
      expect((await server.request('GET', '/deployments/?limit=100')).body).toEqual(sourceDeployments);
    } finally {
      await server.stop();
    }
  });

  it('resumes into a target holding the first events of the source (a plain --from path)', async () => {
    const target = join(dir, 'resumed');
    expect((await runCli(['migrate', '--from', source, '--to', `sqlite://${target}`])).code).toBe(0);
    const db = new Database(join(target, 'events.db'));
    db.prepare('DELETE FROM events WHERE position > 4').run();
    db.close();

    const refused = await runCli(['migrate', '--from', source, '--to', `sqlite://${target}`]);
    expect(refused).toMatchObject({ code: EXIT_REJECTED, stderr: expect.stringMatching(/already holds events.*--resume/) });
    expect(storedRows(target)).toHaveLength(4);

    const resumed = await runCli(['migrate', '--from', source, '--to', `sqlite://${target}`, '--resume', '--batch', '2']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`migrated ${sourceRows.length - 4} events \\(4 were already there\\)`));
    expect(storedRows(target)).toEqual(sourceRows);
  });

  it('refuses a non-empty target that is not a copy of the source, with or without --resume, writing nothing', async () => {
    const target = join(dir, 'occupied');
    await mkdir(target);
    const store = SqliteEventStore.open({ file: join(target, 'events.db') });
    await store.append('lane-other@dev', [{ type: 'deployment.started', data: { version: '9' } }], { expectedRevision: 'no_stream' });
    await store.close();
    const before = storedRows(target);

    const plain = await runCli(['migrate', '--from', `sqlite://${source}`, '--to', `sqlite://${target}`]);
    expect(plain).toMatchObject({ code: EXIT_REJECTED, stdout: '', stderr: expect.stringMatching(/already holds events/) });
    const resumed = await runCli(['migrate', '--from', `sqlite://${source}`, '--to', `sqlite://${target}`, '--resume']);
    expect(resumed).toMatchObject({ code: EXIT_REJECTED, stderr: expect.stringMatching(/cannot resume: the target's event #1 is .* not a copy of this source/) });
    expect(storedRows(target)).toEqual(before);
  });

  it('refuses an unknown target scheme, naming the accepted ones, and creates nothing', async () => {
    const result = await runCli(['migrate', '--from', `sqlite://${source}`, '--to', 'mongodb://localhost/shiplog']);
    expect(result).toMatchObject({ code: EXIT_REJECTED, stderr: expect.stringMatching(/unknown target store "mongodb:\/\/localhost\/shiplog"; accepted: sqlite:\/\/<dir>, esdb:\/\/… or esdb\+discover:\/\/…/) });
    const plainPath = await runCli(['migrate', '--from', `sqlite://${source}`, '--to', join(dir, 'no-scheme')]);
    expect(plainPath).toMatchObject({ code: EXIT_REJECTED, stderr: expect.stringMatching(/accepted: sqlite:\/\/<dir>/) });
    expect(existsSync(join(dir, 'no-scheme'))).toBe(false);
  });

  it('refuses a missing source data dir and creates no target', async () => {
    const target = join(dir, 'never');
    const result = await runCli(['migrate', '--from', `sqlite://${join(dir, 'missing')}`, '--to', `sqlite://${target}`]);
    expect(result).toMatchObject({ code: EXIT_REJECTED, stderr: expect.stringMatching(/no Shiplog event store in .*missing \(expected events\.db\)/) });
    expect(existsSync(target)).toBe(false);
  });
});
