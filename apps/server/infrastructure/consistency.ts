import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { SERVER_CONFIG, type ServerConfig } from '../config';

/**
 * Read-your-writes: before answering a query, wait (bounded) until the projections have applied every
 * event acknowledged so far. Any client that got a 2xx for a write sees it in the next read.
 */
@Injectable()
export class ReadConsistency {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_CONTROL) private readonly projections: ProjectionControl,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  /**
   * Waits until the read models include everything acknowledged before the call. A read that could not
   * wait long enough says so (`Shiplog-Consistency: stale`) instead of silently serving older data.
   */
  async catchUp(reply: FastifyReply): Promise<void> {
    if (!(await this.caughtUp())) void reply.header('shiplog-consistency', 'stale');
  }

  /**
   * The same wait for answers that are not HTTP replies (Slack), at most `limitMs` when given (below the configured
   * timeout): false when the read models did not catch up in time.
   */
  async caughtUp(limitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    return this.projections.waitFor(await this.store.headPosition(), Math.min(this.config.consistencyTimeoutMs, limitMs));
  }
}
