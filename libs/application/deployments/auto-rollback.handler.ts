import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideLane } from '../../domain/deployments/lane.decider';
import { latestAttempt } from '../../domain/deployments/lane.state';
import { PolicyService } from '../environments/policy.service';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import { EnvironmentSettingsService } from '../environments/environment-settings.service';
import type { CommandMeta } from '../shared/command-meta';
import { CLOCK, IDS } from '../shared/tokens';
import type { ControlResult } from './control-plane.handlers';
import { LaneWriter } from './lane-writer';

export class EvaluateAutoRollbackCommand extends Command<ControlResult | null> {
  constructor(
    readonly input: { product: string; environment: string; failedDeploymentId: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * Rolls back after a failure when the environment says so — and only then: the failed deployment must still be
 * the latest of its lane, and must not itself be a rollback (a failed rollback is left to people).
 */
@CommandHandler(EvaluateAutoRollbackCommand)
export class EvaluateAutoRollbackHandler implements ICommandHandler<EvaluateAutoRollbackCommand> {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly lanes: LaneWriter,
    private readonly settings: EnvironmentSettingsService,
    private readonly policies: PolicyService,
  ) {}

  async execute({ input, meta }: EvaluateAutoRollbackCommand): Promise<ControlResult | null> {
    const settings = await this.settings.settings(input.environment);
    if (!settings.auto_rollback) return null;
    const policy = await this.policies.assertAllowed({ product: input.product, environment: input.environment, kind: 'rollback' });
    const { state } = await this.lanes.load(input.product, input.environment);
    const latest = latestAttempt(state);
    if (!latest || latest.id !== input.failedDeploymentId || latest.isRollback || latest.request?.kind === 'rollback') return null;
    const outcome = await this.lanes.execute(
      input.product,
      input.environment,
      (lane) =>
        decideLane(
          {
            type: 'RollbackLane',
            data: { product: input.product, environment: input.environment, requested_by: meta.actor.id, approvals_required: policy.approvalsRequired, reason: `automatic rollback after deployment ${input.failedDeploymentId} failed` },
          },
          lane,
          { now: this.clock.now(), newDeploymentId: () => this.ids.next() },
        ),
      meta,
      input,
    );
    return outcome.kind === 'appended' ? { deploymentId: outcome.events.find((e) => e.type === 'deployment.requested')?.data.deployment_id ?? null, events: outcome.events as ControlResult['events'], position: outcome.position } : null;
  }
}
