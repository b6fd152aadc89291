import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from '../../testing/read-store.contract';
import { SqliteReadStore } from './sqlite-read-store';

describeReadStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
  return { open: async () => new SqliteReadStore(join(dir, 'read.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
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
