import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from '../../testing/read-store.contract';
import { SqliteReadStore } from './sqlite-read-store';

describeReadStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-rm-'));
  return { open: async () => new SqliteReadStore(join(dir, 'read.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
