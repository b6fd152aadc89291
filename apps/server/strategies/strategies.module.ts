import { Module } from '@nestjs/common';
import { StrategyService } from '../../../libs/application/strategies/strategy.service';
import { CLOCK } from '../../../libs/application/shared/tokens';
import type { Clock } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { EnvironmentsModule } from '../environments/environments.module';
import { IngestionModule } from '../ingestion.module';
import { StrategiesController } from './strategies.controller';

/** Deployment strategies: the API to watch and steer a run; the strategy saga runs with the other reactors. */
@Module({
  imports: [IngestionModule, EnvironmentsModule],
  controllers: [StrategiesController],
  providers: [{ provide: StrategyService, useFactory: (store: EventStore, clock: Clock) => new StrategyService(store, clock), inject: [EVENT_STORE, CLOCK] }],
  exports: [StrategyService],
})
export class StrategiesModule {}
