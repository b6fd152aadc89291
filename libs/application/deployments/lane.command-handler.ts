import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { buildStream } from '../../domain/builds/build.events';
import { BUILD_MODEL } from '../../domain/builds/build.decider';
import type { ReportDeploymentStatus } from '../../domain/deployments/lane.commands';
import { decideLane, deploymentOfReport } from '../../domain/deployments/lane.decider';
import { laneStream, type LaneEvent } from '../../domain/deployments/lane.events';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EVENT_STORE, type EventStore, type Recorded } from '../../event-store/event-store.port';
import { CatalogRegistrar } from '../catalog/catalog.registrar';
import { LaneWriter } from './lane-writer';
import type { CommandMeta } from '../shared/command-meta';
import { findRecorded, loadStream, StreamStateCache } from '../shared/stream-command';
import { CLOCK, IDS } from '../shared/tokens';

export type LaneRecorded = Recorded<LaneEvent>;

export type LaneOutcome = {
  /** True when the report repeated what the lane already knew: nothing was appended. */
  duplicate: boolean;
  /** True when an earlier request with the same idempotency key had already appended these events. */
  replayed: boolean;
  deploymentId: string;
  /** The event that records the reported status (the new one, or the earlier one for a duplicate). */
  event: LaneRecorded;
  /** Global position of the last event written, for read-your-writes. */
  position: number;
};

/** A CI report; the bus routes by class, so the plain domain command travels in an envelope. */
export class LaneCommandEnvelope extends Command<LaneOutcome> {
  constructor(
    readonly command: ReportDeploymentStatus,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(LaneCommandEnvelope)
export class LaneCommandHandler implements ICommandHandler<LaneCommandEnvelope> {
  private readonly cache = new StreamStateCache();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly catalog: CatalogRegistrar,
    private readonly lanes: LaneWriter,
  ) {}

  async execute({ command, meta }: LaneCommandEnvelope): Promise<LaneOutcome> {
    const report = command.data;
    await this.catalog.ensure(
      [
        { type: 'RegisterProduct', data: { name: report.product } },
        { type: 'CreateEnvironment', data: { name: report.environment } },
      ],
      meta,
    );
    const stream = laneStream(report.product, report.environment);
    const build = await loadStream(this.store, this.cache, buildStream(report.product, report.version), BUILD_MODEL);
    const result = await this.lanes.execute(
      report.product,
      report.environment,
      (lane) => decideLane(command, lane, { now: this.clock.now(), newDeploymentId: () => this.ids.next(), buildSha: build.state.sha }),
      meta,
      command,
    );
    if (result.kind === 'appended') {
      const last = result.events[result.events.length - 1] as LaneRecorded;
      return { duplicate: false, replayed: result.replayed, deploymentId: last.data.deployment_id, event: last, position: result.position };
    }
    const deploymentId = deploymentOfReport(result.state, report)!;
    const event = await findRecorded<LaneRecorded>(this.store, stream, (e) => e.data.deployment_id === deploymentId, `deployment.${report.status}`);
    return { duplicate: true, replayed: false, deploymentId, event, position: event.position };
  }
}
