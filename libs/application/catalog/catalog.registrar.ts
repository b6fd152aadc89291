import { Inject, Injectable } from '@nestjs/common';
import { catalogStream, decideCatalog, evolveCatalog, initialCatalogState, type CatalogCommand } from '../../domain/catalog/catalog';
import type { Clock } from '../../domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, StreamStateCache } from '../shared/stream-command';
import { CLOCK } from '../shared/tokens';

/**
 * Registers products and environments the first time an event names them. Names already seen by this
 * process skip the store entirely, so registration costs nothing on the ingest hot path after first use.
 */
@Injectable()
export class CatalogRegistrar {
  private readonly known = new Set<string>();
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async ensure(commands: readonly CatalogCommand[], meta: CommandMeta): Promise<void> {
    await Promise.all(
      commands.map(async (command) => {
        const stream = catalogStream(command);
        if (this.known.has(stream)) return;
        const model = { initialState: initialCatalogState, evolve: evolveCatalog };
        await executeOnStream(this.store, this.cache, stream, model, (state) => decideCatalog(command, state, this.clock.now()), {
          actor: meta.actor,
          correlationId: meta.correlationId,
        });
        this.known.add(stream);
      }),
    );
  }
}
