import { Module } from '@nestjs/common';
import {
  LaneActionHandler,
  PromoteHandler,
  RequestDeploymentHandler,
  RollbackHandler,
} from '../../../libs/application/deployments/control-plane.handlers';
import { EnvironmentsModule } from '../environments/environments.module';
import { IngestionModule } from '../ingestion.module';
import { ControlPlaneController } from './control-plane.controller';

/** Operator commands: deploy, cancel, roll back, promote, approve, schedule. */
@Module({
  imports: [IngestionModule, EnvironmentsModule],
  controllers: [ControlPlaneController],
  providers: [RequestDeploymentHandler, RollbackHandler, PromoteHandler, LaneActionHandler],
})
export class ControlPlaneModule {}
