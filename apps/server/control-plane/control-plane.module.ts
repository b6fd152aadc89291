import { Module } from '@nestjs/common';
import {
  DeploymentRequests,
  LaneActionHandler,
  PromoteHandler,
  RequestDeploymentHandler,
  RollbackHandler,
} from '../../../libs/application/deployments/control-plane.handlers';
import { MetricsQueries } from '../../../libs/read-models/metrics/metrics.queries';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { EnvironmentsModule } from '../environments/environments.module';
import { IngestionModule } from '../ingestion.module';
import { PoliciesModule } from '../policies/policies.module';
import { DeploymentMetricsController } from '../metrics/deployment-metrics.controller';
import { ControlPlaneController } from './control-plane.controller';

/** Operator commands: deploy, cancel, roll back, promote, approve, schedule. */
@Module({
  imports: [IngestionModule, EnvironmentsModule, PoliciesModule],
  controllers: [ControlPlaneController, DeploymentMetricsController],
  providers: [
    DeploymentRequests,
    RequestDeploymentHandler,
    RollbackHandler,
    PromoteHandler,
    LaneActionHandler,
    { provide: MetricsQueries, useFactory: (readStore: ReadStore) => new MetricsQueries(readStore), inject: [READ_STORE] },
  ],
})
export class ControlPlaneModule {}
