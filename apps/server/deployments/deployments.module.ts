import { Module } from '@nestjs/common';
import { LaneCommandHandler } from '../../../libs/application/deployments/lane.command-handler';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { DeploymentEventsController } from './deployment-events.controller';
import { DeploymentsController } from './deployments.controller';

@Module({
  controllers: [DeploymentEventsController, DeploymentsController],
  providers: [
    LaneCommandHandler,
    { provide: DeploymentQueries, useFactory: (readStore: ReadStore) => new DeploymentQueries(readStore), inject: [READ_STORE] },
  ],
})
export class DeploymentsModule {}
