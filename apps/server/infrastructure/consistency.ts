import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { ProjectionRunner } from '../../../libs/read-models/projection-runner';
import { SERVER_CONFIG, type ServerConfig } from '../config';

/**
 * Read-your-writes: before answering a query, wait (bounded) until the projections have applied every
 * event acknowledged so far. Any client that got a 2xx for a write sees it in the next read.
 */
@Injectable()
export class ReadConsistency {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionRunner,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  /** True when the read models include everything acknowledged before the call; false if the wait timed out. */
  async catchUp(): Promise<boolean> {
    return this.projections.waitFor(await this.store.headPosition(), this.config.consistencyTimeoutMs);
  }
}
