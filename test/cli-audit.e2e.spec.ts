import Database from 'better-sqlite3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

describe('shiplog audit export|verify', () => {
  let server: RunningServer;
  let dir: string;
  const shiplog = (...args: string[]) => runCli(args, { SHIPLOG_URL: server.url, SHIPLOG_TOKEN: TEST_ADMIN_TOKEN });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-audit-'));
    server = await startServer();
    for (const [version, status] of [['1.0.0', 'started'], ['1.0.0', 'success'], ['1.1.0', 'started'], ['1.1.0', 'failed']]) {
      await server.request('POST', '/deployment-events/', { product_name: 'api', version, environment_name: 'prod', status });
    }
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(dir, { recursive: true, force: true });
  });

  it('exports to a file and verifies it offline', async () => {
    const file = join(dir, 'events.ndjson');
    expect((await shiplog('audit', 'export', '-o', file)).code).toBe(0);
    const verified = await runCli(['audit', 'verify', file]);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/✔ \d+ events .* every hash chain is intact/) });
    expect((await shiplog('audit', 'verify', '--server')).code).toBe(0);
  });

  it('fails an export with a line removed or reordered, naming where', async () => {
    const lines = (await shiplog('audit', 'export')).stdout.trim().split('\n');
    const laneLines = lines.map((line, i) => [i, JSON.parse(line) as { stream: string; revision: number }] as const).filter(([, e]) => e.stream === 'lane-api@prod');
    const removed = lines.filter((_, i) => i !== laneLines[1]![0]);
    await writeFile(join(dir, 'removed.ndjson'), `${removed.join('\n')}\n`);
    const afterRemoval = await runCli(['audit', 'verify', join(dir, 'removed.ndjson')]);
    expect(afterRemoval).toMatchObject({ code: 4, stderr: expect.stringMatching(/breaks at stream lane-api@prod, revision 2: expected revision 1/) });

    const reordered = [...lines];
    const [a, b] = [laneLines[1]![0], laneLines[2]![0]];
    [reordered[a], reordered[b]] = [reordered[b]!, reordered[a]!];
    await writeFile(join(dir, 'reordered.ndjson'), `${reordered.join('\n')}\n`);
    expect((await runCli(['audit', 'verify', join(dir, 'reordered.ndjson')])).stderr).toMatch(/breaks at stream lane-api@prod/);

    const edited = lines.map((l) => l.replace('"1.1.0"', '"1.1.1"'));
    await writeFile(join(dir, 'edited.ndjson'), `${edited.join('\n')}\n`);
    expect((await runCli(['audit', 'verify', join(dir, 'edited.ndjson')])).stderr).toMatch(/content does not match its hash/);
  });

  it('names the stream and revision of a payload altered in the SQLite file', async () => {
    await server.stop();
    expect((await runCli(['audit', 'verify', '--data-dir', server.dataDir])).code).toBe(0);
    const db = new Database(join(server.dataDir, 'events.db'));
    const target = db.prepare<[], { position: number; revision: number }>("SELECT position, revision FROM events WHERE stream = 'lane-api@prod' AND type = 'deployment.completed'").get()!;
    db.prepare("UPDATE events SET data = replace(data, '1.0.0', '1.0.1') WHERE position = ?").run(target.position);
    db.close();
    const result = await runCli(['audit', 'verify', '--data-dir', server.dataDir]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(new RegExp(`breaks at stream lane-api@prod, revision ${target.revision}: content does not match its hash`));
    server = await startServer({ dataDir: server.dataDir });
  });

  it('asks for exactly one source', async () => {
    expect((await runCli(['audit', 'verify'])).stderr).toMatch(/give exactly one of/);
    expect((await runCli(['audit', 'verify', '--data-dir', '/nonexistent-shiplog'])).stderr).toMatch(/no Shiplog event store/);
  });
});
