import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BuildCommand } from '../../domain/builds/build.commands';
import { BUILD_MODEL, buildOfReport, decideBuild } from '../../domain/builds/build.decider';
import { buildStream, type BuildEvent } from '../../domain/builds/build.events';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EVENT_STORE, type EventStore, type Recorded } from '../../event-store/event-store.port';
import { CatalogRegistrar } from '../catalog/catalog.registrar';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, findRecorded, StreamStateCache } from '../shared/stream-command';
import { CLOCK, IDS } from '../shared/tokens';

export type BuildRecorded = Recorded<BuildEvent>;

export type BuildOutcome = { duplicate: boolean; replayed: boolean; buildId: string; event: BuildRecorded; position: number };

export class BuildCommandEnvelope extends Command<BuildOutcome> {
  constructor(
    readonly command: BuildCommand,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(BuildCommandEnvelope)
export class BuildCommandHandler implements ICommandHandler<BuildCommandEnvelope> {
  private readonly cache = new StreamStateCache();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly catalog: CatalogRegistrar,
  ) {}

  async execute({ command, meta }: BuildCommandEnvelope): Promise<BuildOutcome> {
    const report = command.data;
    await this.catalog.ensure([{ type: 'RegisterProduct', data: { name: report.product } }], meta);
    const stream = buildStream(report.product, report.version);
    const result = await executeOnStream(
      this.store,
      this.cache,
      stream,
      BUILD_MODEL,
      (build) => decideBuild(command, build, { now: this.clock.now(), newBuildId: () => this.ids.next() }),
      { ...meta, request: command },
    );
    if (result.kind === 'appended') {
      const last = result.events[result.events.length - 1]!;
      return { duplicate: false, replayed: result.replayed, buildId: last.data.build_id, event: last, position: result.position };
    }
    const buildId = buildOfReport(result.state)!;
    const event = await findRecorded<BuildRecorded>(this.store, stream, (e) => e.data.build_id === buildId, `build.${report.status}`);
    return { duplicate: true, replayed: false, buildId, event, position: event.position };
  }
}
