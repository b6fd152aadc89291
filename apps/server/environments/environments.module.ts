import { Module } from '@nestjs/common';
import { CatalogRegistrar } from '../../../libs/application/catalog/catalog.registrar';
import { ConfigurationsService } from '../../../libs/application/environments/configurations.service';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { VariablesService } from '../../../libs/application/environments/variables.service';
import { SecretBox } from '../../../libs/application/secrets/secret-box';
import { CLOCK } from '../../../libs/application/shared/tokens';
import type { Clock } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { VariableQueries } from '../../../libs/read-models/environments/variables.queries';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { EnvironmentSettingsController } from './settings.controller';
import { ConfigurationsController } from './configurations.controller';
import { EnvironmentsController } from './environments.controller';
import { VariablesController } from './variables.controller';
import { IngestionModule } from '../ingestion.module';

/** Environment settings and variables (plain and secret). */
@Module({
  imports: [IngestionModule],
  controllers: [VariablesController, EnvironmentSettingsController, ConfigurationsController, EnvironmentsController],
  providers: [
    {
      provide: VariablesService,
      useFactory: (store: EventStore, clock: Clock, secrets: SecretBox, catalog: CatalogRegistrar) => new VariablesService(store, clock, secrets, catalog),
      inject: [EVENT_STORE, CLOCK, SecretBox, CatalogRegistrar],
    },
    {
      provide: EnvironmentSettingsService,
      useFactory: (store: EventStore, clock: Clock, secrets: SecretBox, catalog: CatalogRegistrar) => new EnvironmentSettingsService(store, clock, secrets, catalog),
      inject: [EVENT_STORE, CLOCK, SecretBox, CatalogRegistrar],
    },
    {
      provide: ConfigurationsService,
      useFactory: (store: EventStore, clock: Clock, catalog: CatalogRegistrar, settings: EnvironmentSettingsService) => new ConfigurationsService(store, clock, catalog, settings),
      inject: [EVENT_STORE, CLOCK, CatalogRegistrar, EnvironmentSettingsService],
    },
    { provide: VariableQueries, useFactory: (readStore: ReadStore) => new VariableQueries(readStore), inject: [READ_STORE] },
  ],
  exports: [VariablesService, EnvironmentSettingsService, ConfigurationsService, VariableQueries],
})
export class EnvironmentsModule {}
