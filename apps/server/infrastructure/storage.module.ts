import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogRegistrar } from '../../../libs/application/catalog/catalog.registrar';
import { SecretBox } from '../../../libs/application/secrets/secret-box';
import { CLOCK, IDS, READ_MODELS_CAUGHT_UP, type ReadModelsCaughtUp } from '../../../libs/application/shared/tokens';
import type { Clock } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { systemClock, uuidv7Generator } from '../../../libs/event-store/ids';
import { createSerializer } from '../../../libs/event-store/serializer';
import { EsdbEventStore } from '../../../libs/event-store/esdb/esdb-event-store';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { SHIPLOG_UPCASTERS } from '../../../libs/event-store/upcasters';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { ProjectionRunner } from '../../../libs/read-models/projection-runner';
import { ProjectionThread } from './projection-thread';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { MongoReadStore } from '../../../libs/read-models/mongo/mongo-read-store';
import { SqliteReadStore } from '../../../libs/read-models/sqlite/sqlite-read-store';
import { redactUrl } from '../../../libs/shared/urls';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { ShiplogMetrics } from '../metrics/metrics';
import { ReadConsistency } from './consistency';
import { PROJECTIONS } from './projections';

const storageLogger = new Logger('Storage');

/** Measures appends (latency to durable commit, events by type) without the store knowing about metrics. */
const instrumented = (store: EventStore, metrics: ShiplogMetrics): EventStore => {
  const append = store.append.bind(store);
  store.append = async (stream, events, options) => {
    const stop = metrics.appendDuration.startTimer();
    const result = await append(stream, events, options);
    stop();
    if (!result.alreadyAppended) for (const event of result.events) metrics.eventsAppended.inc({ type: event.type });
    return result;
  };
  return store;
};

/** Without SHIPLOG_SECRET_KEY, the key lives in the data dir, readable by the server's user only. */
const loadOrCreateKeyFile = (dataDir: string): Buffer => {
  const file = join(dataDir, 'secret.key');
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
};

/** Starts the projections once the app is wired, and closes everything in order on shutdown. */
@Injectable()
class StorageLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PROJECTION_CONTROL) private readonly projections: ProjectionControl,
  ) {}

  onModuleInit(): Promise<void> {
    return this.projections.start();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.projections.stop();
      await this.readStore.close();
    } finally {
      await this.store.close();
    }
  }
}

@Global()
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: IDS, useFactory: (clock: Clock) => uuidv7Generator(clock), inject: [CLOCK] },
    ShiplogMetrics,
    {
      provide: EVENT_STORE,
      useFactory: async (config: ServerConfig, clock: Clock, metrics: ShiplogMetrics) => {
        mkdirSync(config.dataDir, { recursive: true });
        const serializer = createSerializer(SHIPLOG_UPCASTERS);
        if (config.eventStoreUrl) {
          storageLogger.log(`events in EventStoreDB (${redactUrl(config.eventStoreUrl)})`);
          return instrumented(await EsdbEventStore.connect(config.eventStoreUrl, { clock, serializer }), metrics);
        }
        return instrumented(SqliteEventStore.open({ file: join(config.dataDir, 'events.db'), clock, serializer }), metrics);
      },
      inject: [SERVER_CONFIG, CLOCK, ShiplogMetrics],
    },
    {
      provide: READ_STORE,
      useFactory: async (config: ServerConfig) => {
        if (!config.mongoUrl) {
          const readStore = new SqliteReadStore(join(config.dataDir, 'read-models.db'), { fsync: config.readModelFsync });
          if (readStore.discardedTornFile) {
            storageLogger.warn('the machine went down while read models were written without fsync: they are rebuilt from the event store');
          }
          return readStore;
        }
        storageLogger.log(`read models in MongoDB (${redactUrl(config.mongoUrl)})`);
        return MongoReadStore.connect(config.mongoUrl);
      },
      inject: [SERVER_CONFIG],
    },
    {
      provide: PROJECTION_CONTROL,
      useFactory: (config: ServerConfig, store: EventStore, readStore: ReadStore): ProjectionControl => {
        const logger = new Logger('Projections');
        const log = (message: string) => logger.warn(message);
        if (!config.projectionWorker || config.eventStoreUrl || config.mongoUrl) return new ProjectionRunner(store, readStore, PROJECTIONS, log);
        const [eventsFile, readModelsFile] = [join(config.dataDir, 'events.db'), join(config.dataDir, 'read-models.db')];
        return new ProjectionThread(PROJECTIONS.map((p) => p.name), { eventsFile, readModelsFile, readModelFsync: config.readModelFsync, store, log });
      },
      inject: [SERVER_CONFIG, EVENT_STORE, READ_STORE],
    },
    { provide: SecretBox, useFactory: (config: ServerConfig) => new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir)), inject: [SERVER_CONFIG] },
    ReadConsistency,
    { provide: READ_MODELS_CAUGHT_UP, useFactory: (consistency: ReadConsistency): ReadModelsCaughtUp => () => consistency.caughtUp(), inject: [ReadConsistency] },
    CatalogRegistrar,
    StorageLifecycle,
  ],
  exports: [CLOCK, IDS, READ_MODELS_CAUGHT_UP, EVENT_STORE, READ_STORE, PROJECTION_CONTROL, ReadConsistency, SecretBox, CatalogRegistrar, ShiplogMetrics],
})
export class StorageModule {}
