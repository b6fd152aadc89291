import { Module } from '@nestjs/common';
import { ReleasesService } from '../../../libs/application/releases/releases.service';
import { CLOCK, IDS } from '../../../libs/application/shared/tokens';
import type { Clock, IdGenerator } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { PoliciesModule } from '../policies/policies.module';
import { ReleasesController } from './releases.controller';

/** Releases (seed 002 §4): the API; the release saga runs with the other reactors. */
@Module({
  imports: [PoliciesModule],
  controllers: [ReleasesController],
  providers: [{ provide: ReleasesService, useFactory: (store: EventStore, clock: Clock, ids: IdGenerator) => new ReleasesService(store, clock, ids), inject: [EVENT_STORE, CLOCK, IDS] }],
  exports: [ReleasesService],
})
export class ReleasesModule {}
