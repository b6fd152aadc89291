import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BUILD_MODEL } from '../../domain/builds/build.decider';
import { buildStream } from '../../domain/builds/build.events';
import type { ApproveDeployment, CancelDeployment, DispatchDeployment, RejectDeployment, UnpinLane } from '../../domain/deployments/lane.commands';
import { decideLane } from '../../domain/deployments/lane.decider';
import type { DeploymentKind, LaneEvent } from '../../domain/deployments/lane.events';
import { NothingToPromote } from '../../domain/deployments/lane.errors';
import { laneStream } from '../../domain/deployments/lane.events';
import type { LaneState } from '../../domain/deployments/lane.state';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EVENT_STORE, type EventStore, type Recorded } from '../../event-store/event-store.port';
import { DeploymentQueries } from '../../read-models/deployments/deployments.queries';
import { CatalogRegistrar } from '../catalog/catalog.registrar';
import { PolicyService } from '../environments/policy.service';
import type { CommandMeta } from '../shared/command-meta';
import { loadStream, StreamStateCache } from '../shared/stream-command';
import { CLOCK, IDS, READ_MODELS_CAUGHT_UP, type ReadModelsCaughtUp } from '../shared/tokens';
import { LaneWriter } from './lane-writer';

export type ControlResult = {
  /** The deployment the command created or acted on. */
  deploymentId: string | null;
  events: Recorded<LaneEvent>[];
  position: number;
};

export type DeployInput = {
  product: string;
  environment: string;
  version: string;
  kind?: Extract<DeploymentKind, 'deploy' | 'promotion'>;
  reason?: string;
  force?: boolean;
  scheduled_at?: string;
  config?: Record<string, unknown>;
  promoted_from?: string;
  release_id?: string;
  /** An admin deploying through a freeze says why (recorded). */
  override_reason?: string;
};

export class RequestDeploymentCommand extends Command<ControlResult> {
  constructor(
    readonly input: DeployInput,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

export class RollbackCommand extends Command<ControlResult> {
  constructor(
    readonly input: { product: string; environment: string; version?: string; reason?: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

export class PromoteCommand extends Command<ControlResult> {
  constructor(
    readonly input: { product: string; from: string; to: string; version?: string; reason?: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Commands on one deployment or lane that need nothing looked up besides the lane itself. */
export class LaneActionCommand extends Command<ControlResult> {
  constructor(
    readonly command: ApproveDeployment | RejectDeployment | CancelDeployment | DispatchDeployment | UnpinLane,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

const resultOf = (outcome: Awaited<ReturnType<LaneWriter['execute']>>, fallbackId: string | null): ControlResult =>
  outcome.kind === 'appended'
    ? {
        deploymentId: (outcome.events.find((e) => e.type === 'deployment.requested') ?? outcome.events[outcome.events.length - 1])?.data.deployment_id ?? fallbackId,
        events: outcome.events as Recorded<LaneEvent>[],
        position: outcome.position,
      }
    : { deploymentId: fallbackId, events: [], position: 0 };

/** What the request, rollback and promotion handlers share: a deploy request, checked and decided on the lane. */
@Injectable()
export class DeploymentRequests {
  private readonly builds = new StreamStateCache(1_000);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    readonly lanes: LaneWriter,
    private readonly catalog: CatalogRegistrar,
    private readonly deployments: DeploymentQueries,
    readonly policies: PolicyService,
    @Inject(READ_MODELS_CAUGHT_UP) private readonly readModelsCaughtUp: ReadModelsCaughtUp,
  ) {}

  context() {
    return { now: this.clock.now(), newDeploymentId: () => this.ids.next() };
  }

  /** A completed build, or an earlier deployment of the version anywhere. */
  private async versionKnown(product: string, version: string, lane: LaneState): Promise<boolean> {
    if ((await loadStream(this.store, this.builds, buildStream(product, version), BUILD_MODEL)).state.completed) return true;
    if (lane.inFlight?.version === version || lane.finished.some((d) => d.version === version)) return true;
    // Other lanes are known from the deployments read model: it must hold every deployment acknowledged so far.
    await this.readModelsCaughtUp();
    return (await this.deployments.list({ product, version }, 1, null)).items.length > 0;
  }

  async request(input: DeployInput & { kind: DeploymentKind }, meta: CommandMeta): Promise<ControlResult> {
    await this.catalog.ensure(
      [
        { type: 'RegisterProduct', data: { name: input.product } },
        { type: 'CreateEnvironment', data: { name: input.environment } },
      ],
      meta,
    );
    const { override_reason, ...request } = input;
    const policy = await this.policies.assertAllowed({
      product: input.product,
      environment: input.environment,
      version: input.version,
      kind: input.kind,
      ...(input.scheduled_at ? { scheduledAt: input.scheduled_at } : {}),
      ...(override_reason ? { overrideReason: override_reason } : {}),
    });
    const { state } = await this.lanes.load(input.product, input.environment);
    const versionKnown = input.kind !== 'deploy' || (await this.versionKnown(input.product, input.version, state));
    const outcome = await this.lanes.execute(
      input.product,
      input.environment,
      (lane) =>
        decideLane(
          {
            type: 'RequestDeployment',
            data: {
              ...request,
              requested_by: meta.actor.id,
              approvals_required: policy.approvalsRequired,
              version_known: versionKnown,
              ...(policy.violations.length ? { policy_violations: policy.violations } : {}),
              ...(override_reason && policy.overridden.length ? { policy_override_reason: override_reason } : {}),
            },
          },
          lane,
          this.context(),
        ),
      meta,
      input,
    );
    return resultOf(outcome, null);
  }
}

@CommandHandler(RequestDeploymentCommand)
export class RequestDeploymentHandler implements ICommandHandler<RequestDeploymentCommand> {
  constructor(private readonly requests: DeploymentRequests) {}

  execute({ input, meta }: RequestDeploymentCommand): Promise<ControlResult> {
    return this.requests.request({ ...input, kind: input.kind ?? 'deploy' }, meta);
  }
}

@CommandHandler(RollbackCommand)
export class RollbackHandler implements ICommandHandler<RollbackCommand> {
  constructor(private readonly requests: DeploymentRequests) {}

  async execute({ input, meta }: RollbackCommand): Promise<ControlResult> {
    const policy = await this.requests.policies.assertAllowed({ product: input.product, environment: input.environment, kind: 'rollback', ...(input.version ? { version: input.version } : {}) });
    const outcome = await this.requests.lanes.execute(
      input.product,
      input.environment,
      (lane) => decideLane({ type: 'RollbackLane', data: { ...input, requested_by: meta.actor.id, approvals_required: policy.approvalsRequired } }, lane, this.requests.context()),
      meta,
      input,
    );
    return resultOf(outcome, null);
  }
}

/** The version currently completed in `from` (or the given one, which must have completed there) → a request into `to`. */
@CommandHandler(PromoteCommand)
export class PromoteHandler implements ICommandHandler<PromoteCommand> {
  constructor(private readonly requests: DeploymentRequests) {}

  async execute({ input, meta }: PromoteCommand): Promise<ControlResult> {
    const { state: source } = await this.requests.lanes.load(input.product, input.from);
    const version = input.version ?? source.current?.version;
    const completedThere = version !== undefined && source.finished.some((d) => d.version === version && d.status === 'completed');
    if (!version || !completedThere) throw new NothingToPromote(laneStream(input.product, input.from), version);
    return this.requests.request(
      { product: input.product, environment: input.to, version, kind: 'promotion', promoted_from: input.from, ...(input.reason ? { reason: input.reason } : {}) },
      meta,
    );
  }
}

@CommandHandler(LaneActionCommand)
export class LaneActionHandler implements ICommandHandler<LaneActionCommand> {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly lanes: LaneWriter,
  ) {}

  async execute({ command, meta }: LaneActionCommand): Promise<ControlResult> {
    const { product, environment } = command.data;
    const outcome = await this.lanes.execute(product, environment, (lane) => decideLane(command, lane, { now: this.clock.now(), newDeploymentId: () => this.ids.next() }), meta, command);
    return resultOf(outcome, 'deployment_id' in command.data ? command.data.deployment_id : null);
  }
}
