import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

describeEventStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-es-'));
  const file = join(dir, 'events.db');
  return {
    open: async (options) => SqliteEventStore.open({ file, ...options }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describeEventStoreContract('sqlite without group commit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-es-'));
  const file = join(dir, 'events.db');
  return {
    open: async (options) => SqliteEventStore.open({ file, groupCommit: false, ...options }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
