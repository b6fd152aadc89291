import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { ArtifactsService } from '../../../libs/application/artifacts/artifacts.service';
import { CatalogRegistrar } from '../../../libs/application/catalog/catalog.registrar';
import { CLOCK, IDS } from '../../../libs/application/shared/tokens';
import type { Clock, IdGenerator } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { IngestionModule } from '../ingestion.module';
import { ArtifactsController } from './artifacts.controller';

@Module({
  imports: [IngestionModule],
  controllers: [ArtifactsController],
  providers: [
    { provide: 'ARTIFACT_MAX_BYTES', useFactory: (config: ServerConfig) => config.artifactMaxBytes, inject: [SERVER_CONFIG] },
    {
      provide: ArtifactsService,
      useFactory: (config: ServerConfig, store: EventStore, readStore: ReadStore, catalog: CatalogRegistrar, clock: Clock, ids: IdGenerator) =>
        new ArtifactsService(join(config.dataDir, 'artifacts'), store, readStore, catalog, clock, ids, { maxBytes: config.artifactMaxBytes, keepVersions: config.artifactKeepVersions }),
      inject: [SERVER_CONFIG, EVENT_STORE, READ_STORE, CatalogRegistrar, CLOCK, IDS],
    },
  ],
})
export class ArtifactsModule {}
