import { Module } from '@nestjs/common';
import { BuildCommandHandler } from '../../libs/application/builds/build.command-handler';
import { LaneCommandHandler } from '../../libs/application/deployments/lane.command-handler';
import { LaneWriter } from '../../libs/application/deployments/lane-writer';
import { BuildQueries } from '../../libs/read-models/builds/builds.queries';
import { CatalogQueries } from '../../libs/read-models/catalog/catalog.queries';
import { DeploymentQueries } from '../../libs/read-models/deployments/deployments.queries';
import { READ_STORE, type ReadStore } from '../../libs/read-models/read-store.port';
import { StateQueries } from '../../libs/read-models/state/state.queries';
import { BuildsController } from './builds/builds.controller';
import { CatalogController } from './catalog/catalog.controller';
import { DeploymentEventsController } from './deployments/deployment-events.controller';
import { DeploymentsController } from './deployments/deployments.controller';

const queries = [DeploymentQueries, BuildQueries, CatalogQueries, StateQueries].map((Queries) => ({
  provide: Queries,
  useFactory: (readStore: ReadStore) => new Queries(readStore),
  inject: [READ_STORE],
}));

/** Deployment and build ingestion (Versioner-compatible) and the read side built from it. */
@Module({
  controllers: [DeploymentEventsController, DeploymentsController, BuildsController, CatalogController],
  providers: [LaneCommandHandler, BuildCommandHandler, LaneWriter, ...queries],
  exports: [LaneWriter, DeploymentQueries, StateQueries, CatalogQueries],
})
export class IngestionModule {}
