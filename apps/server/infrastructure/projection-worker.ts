/**
 * Entry point of the projection worker thread (started by ProjectionThread): the embedded default's projections
 * run here, on their own connections to events.db and read-models.db, so applying events never holds up requests
 * on the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { createSerializer } from '../../../libs/event-store/serializer';
import { SHIPLOG_UPCASTERS } from '../../../libs/event-store/upcasters';
import { ProjectionRunner } from '../../../libs/read-models/projection-runner';
import { SqliteReadStore } from '../../../libs/read-models/sqlite/sqlite-read-store';
import type { ToWorker, FromWorker, ProjectionWorkerData } from './projection-thread';
import { PROJECTIONS } from './projections';
import { lowerThreadPriority } from '../../../libs/shared/thread-priority';

/** Nice values below the server's own. */
const PROJECTION_THREAD_NICENESS = 10;

const port = parentPort;
if (!port) throw new Error('projection-worker runs as a worker thread (see ProjectionThread)');
const post = (message: FromWorker) => port.postMessage(message);
const { eventsFile, readModelsFile, readModelFsync } = workerData as ProjectionWorkerData;

// Requests first: when both cores are busy the request thread gets the CPU, and the projections catch up in larger
// (cheaper) batches. Idle cores still run this thread at once, so a quiet server's projections do not lag.
if (!lowerThreadPriority(PROJECTION_THREAD_NICENESS)) post({ type: 'log', message: 'projection thread: priority not lowered (not supported or not permitted here)' });
const store = SqliteEventStore.open({ file: eventsFile, serializer: createSerializer(SHIPLOG_UPCASTERS) });
// The server judged the unsynced markers before opening its own connection; this one must not delete a file in use.
const readStore = new SqliteReadStore(readModelsFile, { fsync: readModelFsync, judgeMarkers: false });
// Positions are reported once per turn of this thread's loop, however many batches moved them.
let latest: FromWorker | null = null;
const runner = new ProjectionRunner(
  store,
  readStore,
  PROJECTIONS,
  (message) => post({ type: 'log', message }),
  (applied) => {
    if (latest === null) setImmediate(flushApplied);
    latest = { type: 'applied', ...applied };
  },
);

function flushApplied() {
  if (latest) post(latest);
  latest = null;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'appended':
      return store.noticeAppended(message.head);
    case 'rebuild':
      return void runner.rebuildMany(message.names, (progress) => post({ type: 'rebuild-progress', id: message.id, ...progress })).then(
        (result) => post({ type: 'rebuild-done', id: message.id, ...result }),
        (error: unknown) => post({ type: 'rebuild-failed', id: message.id, message: errorMessage(error) }),
      );
    case 'stop':
      return void runner
        .stop()
        .catch((error: unknown) => post({ type: 'log', message: `projections did not stop cleanly: ${errorMessage(error)}` }))
        .then(() => Promise.allSettled([readStore.close(), store.close()]))
        .then((closed) => {
          for (const outcome of closed) if (outcome.status === 'rejected') post({ type: 'log', message: `closing failed: ${errorMessage(outcome.reason)}` });
        })
        .finally(() => post({ type: 'stopped' }));
    default:
      return ((unknown: never) => post({ type: 'log', message: `unknown message ${JSON.stringify(unknown)}` }))(message);
  }
});

runner.start().then(
  () => {
    flushApplied(); // the positions first: the server's waitFor must not answer before it knows them
    post({ type: 'started' });
  },
  (error: unknown) => post({ type: 'start-failed', message: errorMessage(error) }),
);
