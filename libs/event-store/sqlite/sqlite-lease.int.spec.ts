import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLeaseContract } from '../../testing/lease.contract';
import { SqliteEventStore } from './sqlite-event-store';

describeLeaseContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shiplog-lease-'));
  return { open: async () => SqliteEventStore.open({ file: join(dir, 'events.db') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
