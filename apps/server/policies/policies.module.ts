import { Module } from '@nestjs/common';
import { LaneWriter } from '../../../libs/application/deployments/lane-writer';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { PolicyService } from '../../../libs/application/environments/policy.service';
import { CLOCK } from '../../../libs/application/shared/tokens';
import type { Clock } from '../../../libs/domain/shared/time';
import { CatalogQueries } from '../../../libs/read-models/catalog/catalog.queries';
import { EnvironmentsModule } from '../environments/environments.module';
import { ReadConsistency } from '../infrastructure/consistency';
import { IngestionModule } from '../ingestion.module';
import { PoliciesController } from './policies.controller';

/** The one policy check (locks, freezes, maintenance window, upstream flow, approvals) and its endpoints. */
@Module({
  imports: [IngestionModule, EnvironmentsModule],
  controllers: [PoliciesController],
  providers: [
    {
      provide: PolicyService,
      // The environments come from the catalog read model: it must hold one created just before (its upstream rule).
      useFactory: (settings: EnvironmentSettingsService, lanes: LaneWriter, catalog: CatalogQueries, consistency: ReadConsistency, clock: Clock) =>
        new PolicyService(
          settings,
          lanes,
          async () => {
            await consistency.caughtUp();
            return (await catalog.environments()).map((e) => e.name);
          },
          clock,
        ),
      inject: [EnvironmentSettingsService, LaneWriter, CatalogQueries, ReadConsistency, CLOCK],
    },
  ],
  exports: [PolicyService],
})
export class PoliciesModule {}
