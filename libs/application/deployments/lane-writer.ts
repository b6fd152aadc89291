import { Inject, Injectable } from '@nestjs/common';
import type { LaneState } from '../../domain/deployments/lane.state';
import { evolveLane, initialLaneState } from '../../domain/deployments/lane.state';
import { laneStream, type LaneEvent } from '../../domain/deployments/lane.events';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache, type StreamCommandResult } from '../shared/stream-command';

const LANE = { initialState: initialLaneState, evolve: evolveLane };

/** Loads and writes lane streams for every lane command handler, sharing one state cache. */
@Injectable()
export class LaneWriter {
  private readonly cache = new StreamStateCache();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The lane's current state; with `atLeastRevision`, a cached state that holds that revision will do (see loadStream). */
  load(product: string, environment: string, atLeastRevision?: number): Promise<{ state: LaneState; revision: number }> {
    return loadStream(this.store, this.cache, laneStream(product, environment), LANE, atLeastRevision);
  }

  execute(
    product: string,
    environment: string,
    decide: (lane: LaneState) => LaneEvent[],
    meta: CommandMeta,
    request: unknown,
  ): Promise<StreamCommandResult<LaneState, LaneEvent>> {
    return executeOnStream(this.store, this.cache, laneStream(product, environment), LANE, decide, { ...meta, request });
  }
}
