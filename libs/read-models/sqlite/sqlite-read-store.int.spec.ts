import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from '../../testing/read-store.contract';
import { SqliteReadStore, type SqliteReadStoreOptions } from './sqlite-read-store';

describeReadStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
  return { open: async () => new SqliteReadStore(join(dir, 'read.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describeReadStoreContract('sqlite without fsync', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
  return { open: async () => new SqliteReadStore(join(dir, 'read.db'), { fsync: false, bootId: 'boot-a' }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('sqlite read store layout', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const things = { name: 'things', version: 1, collections: [{ name: 'things', indexes: [['kind', 'rank', 'id']] }] };

  it('stores indexed fields in columns of their own, indexed without JSON, and queries them from a connection that never prepared', async () => {
    const writer = new SqliteReadStore(join(dir, 'read.db'));
    const reader = new SqliteReadStore(join(dir, 'read.db'));
    try {
      await writer.prepare(things);
      await writer.commit('things', { from: 0, to: 1 }, async (tx) => {
        tx.put('things', { id: 'a', kind: 'x', rank: 2, tags: ['t'] });
        tx.put('things', { id: 'b', kind: 'y', rank: 1 });
      });
      expect((await reader.find('things', { where: { kind: 'x' } })).map((d) => d.id)).toEqual(['a']);
      const db = new Database(join(dir, 'read.db'), { readonly: true });
      try {
        expect(db.prepare('SELECT id, f_kind, f_rank FROM rm_things ORDER BY id').all()).toEqual([
          { id: 'a', f_kind: 'x', f_rank: 2 },
          { id: 'b', f_kind: 'y', f_rank: 1 },
        ]);
        expect(db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_things' AND sql IS NOT NULL").all()).toEqual([
          { sql: 'CREATE INDEX rm_things__kind__rank__id ON rm_things (f_kind, f_rank, id)' },
        ]);
      } finally {
        db.close();
      }
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('fails a rebuild whose document cannot be stored, leaves the live collections as they were, and rebuilds again', async () => {
    const store = new SqliteReadStore(join(dir, 'read.db'));
    try {
      await store.prepare(things);
      await store.commit('things', { from: 0, to: 1 }, async (tx) => tx.put('things', { id: 'a', kind: 'x', rank: 1 }));
      const broken = await store.beginRebuild(things);
      await expect(broken.commit(5, async (tx) => tx.put('things', { id: 'b', kind: 'x', rank: 1, size: 10n }))).rejects.toThrow(/BigInt/);
      await broken.abort(); // returns: nothing of the failed unit was sent to the writer thread
      expect((await store.find('things')).map((d) => d.id)).toEqual(['a']);
      const again = await store.beginRebuild(things);
      await again.commit(6, async (tx) => tx.put('things', { id: 'c', kind: 'x', rank: 1 }));
      await again.swap();
      expect((await store.find('things')).map((d) => d.id)).toEqual(['c']);
    } finally {
      await store.close();
    }
  });

  it('waits for the write lock while another connection holds it longer than the usual busy timeout (an index build at a swap)', async () => {
    const store = new SqliteReadStore(join(dir, 'read.db'));
    await store.prepare(things);
    const target = await store.beginRebuild(things);
    const holder = new Database(join(dir, 'read.db'));
    try {
      holder.exec('BEGIN IMMEDIATE');
      await target.commit(5, async (tx) => tx.put('things', { id: 'a', kind: 'x', rank: 1 }));
      const swapped = target.swap();
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // past the 5 s the read store's own connection waits
      holder.exec('COMMIT');
      await swapped;
      expect((await store.find('things')).map((d) => d.id)).toEqual(['a']);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await store.close();
    }
  }, 20_000);

  it('replays a projection whose tables an older Shiplog wrote (documents only, expression indexes)', async () => {
    const old = new Database(join(dir, 'read.db'));
    old.exec(`CREATE TABLE projection_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL);
      INSERT INTO projection_checkpoints VALUES ('things', 1, 42);
      CREATE TABLE rm_things (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
      INSERT INTO rm_things VALUES ('a', '{"id":"a","kind":"x","rank":1}');`);
    old.close();
    const store = new SqliteReadStore(join(dir, 'read.db'));
    try {
      expect(await store.prepare(things)).toBe(0);
      expect(await store.find('things')).toEqual([]);
      expect(await store.checkpoint('things')).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('sqlite read store written without fsync', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
    file = join(dir, 'read.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const things = { name: 'things', version: 1, collections: [{ name: 'things', indexes: [['kind']] }] };
  const markers = () => readdirSync(dir).filter((name) => name.startsWith('read.db.unsynced.'));
  const unsynced = (bootId: string) => new SqliteReadStore(file, { fsync: false, bootId });
  /** Opens a store on the file, hands it to `use`, and closes it whatever happens. */
  const openedWith = async (options: SqliteReadStoreOptions, use: (store: SqliteReadStore) => Promise<void>) => {
    const store = new SqliteReadStore(file, options);
    try {
      await use(store);
    } finally {
      await store.close();
    }
  };
  /** What each test writes: the document `a` (kind x), at checkpoint 7. */
  const writeA = async (store: SqliteReadStore) => {
    await store.prepare(things);
    await store.commit('things', { from: 0, to: 7 }, async (tx) => tx.put('things', { id: 'a', kind: 'x' }));
  };

  /** A real crash: another process writes a document unsynced on `bootId`, then is killed (SIGKILL) before any close. */
  const crashWhileWriting = (bootId: string) => {
    const built = join(__dirname, '../../../dist/libs/read-models/sqlite/sqlite-read-store.js'); // npm test builds first
    const script = `
      const { SqliteReadStore } = require(${JSON.stringify(built)});
      const store = new SqliteReadStore(${JSON.stringify(file)}, { fsync: false, bootId: ${JSON.stringify(bootId)} });
      (async () => {
        await store.prepare(${JSON.stringify(things)});
        await store.commit('things', { from: 0, to: 7 }, async (tx) => tx.put('things', { id: 'a', kind: 'x' }));
        process.kill(process.pid, 'SIGKILL');
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect([child.signal, child.stderr]).toEqual(['SIGKILL', '']);
    expect(markers()).toHaveLength(1);
  };

  it('keeps a marker while it writes and none once closed; a clean close keeps the data across a reboot', async () => {
    const writer = unsynced('boot-a');
    expect(writer.fsyncs).toBe(false);
    await writeA(writer);
    expect(markers()).toHaveLength(1);
    await writer.close();
    expect(markers()).toEqual([]);

    await openedWith({ fsync: false, bootId: 'boot-b' }, async (after) => {
      expect(after.discardedTornFile).toBe(false);
      expect(await after.checkpoint('things')).toBe(7);
      expect(await after.get('things', 'a')).toEqual({ id: 'a', kind: 'x' });
    });
  });

  it('after a crash of the process, the same boot keeps the file (the kernel has the writes) and clears the marker', async () => {
    crashWhileWriting('boot-a');
    await openedWith({ bootId: 'boot-a' }, async (after) => {
      expect(after.discardedTornFile).toBe(false);
      expect(await after.get('things', 'a')).toEqual({ id: 'a', kind: 'x' });
      expect(markers()).toEqual([]);
    });
  });

  it('after a reboot under unsynced writes, deletes the file so the projections replay from the start (also when opened to fsync)', async () => {
    crashWhileWriting('boot-a');
    await openedWith({ bootId: 'boot-b' }, async (after) => {
      expect(after.discardedTornFile).toBe(true);
      expect(markers()).toEqual([]);
      expect(await after.checkpoint('things')).toBeNull();
      expect(await after.prepare(things)).toBe(0);
      expect(await after.get('things', 'a')).toBeNull();
    });
  });

  it('does not trust a file beside a marker it cannot read', async () => {
    await openedWith({ fsync: false, bootId: 'boot-a' }, writeA);
    writeFileSync(join(dir, 'read.db.unsynced.1.0.unreadable'), 'not json');
    await openedWith({ fsync: false, bootId: 'boot-a' }, async (after) => {
      expect(after.discardedTornFile).toBe(true);
      expect(await after.checkpoint('things')).toBeNull();
    });
  });

  it('leaves the markers to the first connection: one opened with judgeMarkers false deletes nothing (the file may be in use)', async () => {
    crashWhileWriting('boot-a');
    await openedWith({ fsync: false, bootId: 'boot-b', judgeMarkers: false }, async (worker) => {
      expect(worker.discardedTornFile).toBe(false);
      expect(await worker.get('things', 'a')).toEqual({ id: 'a', kind: 'x' });
    });
  });

  it('leaves the markers of writers still running on this boot alone', async () => {
    const running = unsynced('boot-a');
    const second = unsynced('boot-a');
    try {
      expect(second.discardedTornFile).toBe(false);
      expect(markers()).toHaveLength(2);
    } finally {
      await Promise.all([running.close(), second.close()]);
    }
    expect(markers()).toEqual([]);
  });

  it('fsyncs, and judges no marker, where the kernel has no boot id to tie unsynced writes to', async () => {
    crashWhileWriting('boot-a');
    await openedWith({ fsync: false, bootId: null }, async (store) => {
      expect(store.fsyncs).toBe(true);
      expect(store.discardedTornFile).toBe(false);
      expect(await store.get('things', 'a')).toEqual({ id: 'a', kind: 'x' });
      expect(markers()).toHaveLength(1); // the crashed writer's, left for a Linux start to judge
    });
  });
});
