import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventImporterContract } from '../../testing/event-importer.contract';
import { SqliteEventStore } from './sqlite-event-store';

describeEventImporterContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-import-'));
  const file = join(dir, 'events.db');
  return {
    open: async () => SqliteEventStore.open({ file }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
