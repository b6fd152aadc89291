import type { CommandBus } from '@nestjs/cqrs';
import type { DeploymentDispatched, LaneFacts } from '../../domain/deployments/lane.events';
import type { Clock } from '../../domain/shared/time';
import type { Recorded, RecordedEvent } from '../../event-store/event-store.port';
import { deterministicEventId } from '../../event-store/ids';
import type { CommandJob, CommandRunner, Outcome } from '../../executors/command-runner';
import type { Outbox } from '../../notifications/webhooks/outbox';
import type { EnvironmentSettingsService } from '../environments/environment-settings.service';
import type { VariablesService } from '../environments/variables.service';
import type { Reactor } from '../reactors/reactor';
import { LaneCommandEnvelope } from './lane.command-handler';
import type { LaneWriter } from './lane-writer';

const EXECUTOR = { kind: 'system' as const, id: 'system:executor', name: 'executor' };

export type ExecutorDeps = {
  commands: CommandBus;
  lanes: LaneWriter;
  settings: EnvironmentSettingsService;
  variables: VariablesService;
  runner: CommandRunner;
  outbox: Outbox;
  clock: Clock;
  /** Base URL pipelines report back to (SHIPLOG_PUBLIC_URL), named in the webhook payload. */
  publicUrl: string | null;
  log: (message: string) => void;
};

/** Reports the command executor's progress as CI would, by deployment id; keys make a re-report a no-op. */
export const reportOutcome =
  (commands: CommandBus) =>
  async ({ deployment }: Pick<CommandJob, 'deployment'>, outcome: Outcome): Promise<void> => {
    await commands.execute(
      new LaneCommandEnvelope(
        {
          type: 'ReportDeploymentStatus',
          data: {
            product: deployment.product,
            environment: deployment.environment,
            version: deployment.version,
            status: outcome.status,
            deployment_id: deployment.id,
            deployed_by: 'shiplog-executor',
            ...(outcome.error ? { extra_metadata: { error: outcome.error } } : {}),
          },
        },
        { actor: EXECUTOR, correlationId: deployment.id, idempotencyKey: `executor:${deployment.id}:${outcome.status}` },
      ),
    );
  };

/**
 * Carries out dispatched deployments with the environment's executor: `command` runs the argv command here;
 * `external` enqueues a signed webhook for the pipeline, which reports back through /deployment-events/.
 * A deployment that is no longer waiting (finished, superseded, cancelled) is left alone: replays are safe.
 * Deployments with a canary, blue-green or rolling strategy are the strategy saga's.
 */
export const executorReactor = (deps: ExecutorDeps): Reactor => ({
  name: 'executor',
  handles: ['deployment.dispatched', 'deployment.cancel_requested'],
  async react(event: RecordedEvent) {
    const data = event.data as LaneFacts;
    const { state } = await deps.lanes.load(data.product, data.environment);
    const attempt = state.inFlight?.id === data.deployment_id ? state.inFlight : null;
    if (attempt?.request?.strategy) return; // the strategy saga runs it step by step
    const { executor, health_check } = await deps.settings.settings(data.environment);
    if (event.type === 'deployment.dispatched') {
      if (!attempt || attempt.status !== 'pending' || attempt.cancelRequested) return;
      if (executor.type === 'command') {
        const { values, secrets } = await deps.variables.resolveWithSecrets(data.environment, data.product);
        const job: CommandJob = {
          deployment: { id: attempt.id, product: data.product, environment: data.environment, version: attempt.version, isRollback: attempt.isRollback },
          command: executor.command,
          timeoutSeconds: executor.timeout_seconds,
          variables: values,
          secrets,
          verify: health_check,
        };
        // The process outlives this event: its outcome is reported when it exits.
        void deps.runner.run(job).catch((error: unknown) => deps.log(`command for ${attempt.id} failed to run: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      return enqueueWebhook(deps, event as Recorded<DeploymentDispatched>, 'deployment.requested', executor.webhook_url, executor.webhook_secret?.ciphertext ?? null);
    }
    // cancel_requested
    if (!attempt) return;
    if (executor.type === 'command') {
      if (deps.runner.cancel(attempt.id)) return; // its exit reports `aborted`
      if (attempt.status === 'started') await reportOutcome(deps.commands)({ deployment: { ...data, id: attempt.id, version: attempt.version, isRollback: attempt.isRollback } }, { status: 'aborted' });
      return;
    }
    return enqueueWebhook(deps, event, 'deployment.cancel_requested', executor.webhook_url, executor.webhook_secret?.ciphertext ?? null);
  },
});

const enqueueWebhook = (deps: ExecutorDeps, event: RecordedEvent, type: string, url: string | undefined, sealedSecret: string | null): void => {
  if (!url) return; // an external pipeline without a webhook picks the request up from the API
  const data = event.data as LaneFacts & { kind?: string; is_rollback?: boolean };
  const payload = {
    type,
    delivery_of: event.id,
    deployment: { id: data.deployment_id, product: data.product, environment: data.environment, version: data.version, kind: data.kind ?? null, is_rollback: data.is_rollback === true },
    report_to: deps.publicUrl ? `${deps.publicUrl.replace(/\/$/, '')}/deployment-events/` : null,
    occurred_at: data.occurred_at,
  };
  deps.outbox.enqueue(
    { delivery_id: deterministicEventId(`executor:${event.id}`, 0), target: `executor:${data.environment}`, event_id: event.id, event_type: type, url, payload: JSON.stringify(payload), sealed_secret: sealedSecret },
    deps.clock.now(),
  );
};
