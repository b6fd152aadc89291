import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { LaneCommand } from '../../domain/deployments/lane.commands';
import { decideLane, evolveLane, initialLaneState, deploymentOfVersion } from '../../domain/deployments/lane.decider';
import { laneStream, type LaneEvent } from '../../domain/deployments/lane.events';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { retryOnConflict } from '../shared/retry-on-conflict';
import { CLOCK, IDS } from '../shared/tokens';

export type LaneOutcome = {
  /** True when the report repeated what the lane already knew: nothing was appended. */
  duplicate: boolean;
  deploymentId: string;
  /** The event that records the reported status (the new one, or the earlier one for a duplicate). */
  event: RecordedEvent<LaneEvent['type'], LaneEvent['data']>;
  /** Global position of the last event written, for read-your-writes. */
  position: number;
};

/** The bus routes by class, so the plain domain command travels in an envelope. */
export class LaneCommandEnvelope extends Command<LaneOutcome> {
  constructor(
    readonly command: LaneCommand,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

type LaneRecorded = LaneOutcome['event'];

@CommandHandler(LaneCommandEnvelope)
export class LaneCommandHandler implements ICommandHandler<LaneCommandEnvelope> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  execute({ command, meta }: LaneCommandEnvelope): Promise<LaneOutcome> {
    const { product, environment, version } = command.data;
    const stream = laneStream(product, environment);
    return retryOnConflict(async () => {
      const { events, revision } = await this.store.readStream(stream);
      const history = events as LaneRecorded[];
      const lane = history.reduce(evolveLane, initialLaneState);
      const decided = decideLane(command, lane, { now: this.clock.now(), newDeploymentId: () => this.ids.next() });
      if (decided.length === 0) return this.duplicateOf(history, deploymentOfVersion(lane, version)!, command.data.status);
      const appended = await this.store.append(
        stream,
        decided.map((event) => ({ type: event.type, data: event.data, occurredAt: event.data.occurred_at })),
        { expectedRevision: revision, ...meta },
      );
      const last = appended.events[appended.events.length - 1] as LaneRecorded;
      return { duplicate: false, deploymentId: last.data.deployment_id, event: last, position: appended.position };
    });
  }

  private duplicateOf(history: LaneRecorded[], deploymentId: string, status: string): LaneOutcome {
    const mine = history.filter((e) => e.data.deployment_id === deploymentId);
    const event = mine.findLast((e) => e.type === `deployment.${status}`) ?? mine[mine.length - 1]!;
    return { duplicate: true, deploymentId, event, position: event.position };
  }
}
