import type { CommandBus } from '@nestjs/cqrs';
import { assertNever } from '../../domain/shared/assert-never';
import type { LaneFacts, RequestFacts } from '../../domain/deployments/lane.events';
import type { TimerAction, TimerEvent } from '../../domain/timers/timers';
import type { Recorded, RecordedEvent } from '../../event-store/event-store.port';
import type { EnvironmentSettingsService } from '../environments/environment-settings.service';
import type { Reactor } from '../reactors/reactor';
import type { CommandMeta } from '../shared/command-meta';
import type { TimerService } from '../timers/timer.service';
import { EvaluateAutoRollbackCommand } from './auto-rollback.handler';
import { LaneActionCommand, PromoteCommand } from './control-plane.handlers';
import type { LaneWriter } from './lane-writer';

/** Commands a saga issues carry the saga as actor, the causing event, and a key derived from it (replays append nothing). */
export const sagaMeta = (saga: string, event: RecordedEvent): CommandMeta => ({
  actor: { kind: 'system', id: `system:${saga}`, name: saga },
  correlationId: event.metadata.correlationId,
  causationId: event.id,
  idempotencyKey: `${event.id}:${saga}`,
});

/** A deployment requested for later gets a durable timer that dispatches it at its time. */
export const schedulingSaga = (timers: TimerService): Reactor => ({
  name: 'scheduling',
  handles: ['deployment.requested'],
  async react(event) {
    const data = event.data as RequestFacts;
    if (!data.scheduled_at || data.scheduled_at <= data.occurred_at) return;
    const action: TimerAction = { type: 'DispatchDeployment', product: data.product, environment: data.environment, deployment_id: data.deployment_id };
    await timers.schedule({ timer_id: `dispatch:${data.deployment_id}`, due_at: data.scheduled_at, action }, sagaMeta('scheduling', event));
  },
});

/** A failed deployment, in an environment with auto_rollback, is rolled back; the handler decides whether it applies. */
export const autoRollbackSaga = (commands: CommandBus): Reactor => ({
  name: 'auto-rollback',
  handles: ['deployment.failed'],
  async react(event) {
    const { product, environment, deployment_id } = event.data as LaneFacts;
    await commands.execute(new EvaluateAutoRollbackCommand({ product, environment, failedDeploymentId: deployment_id }, sagaMeta('auto-rollback', event)));
  },
});

/** A version completed in an environment with auto_promote moves on to `promotes_to`, after the soak time if any. */
export const promotionSaga = (commands: CommandBus, settings: EnvironmentSettingsService, timers: TimerService): Reactor => ({
  name: 'promotion',
  handles: ['deployment.completed'],
  async react(event) {
    const { product, environment, version, deployment_id, occurred_at } = event.data as LaneFacts;
    const { auto_promote, promotes_to, soak_seconds } = await settings.settings(environment);
    if (!auto_promote || !promotes_to) return;
    const action: TimerAction = { type: 'Promote', product, from: environment, to: promotes_to, version, source_deployment_id: deployment_id };
    if (soak_seconds === 0) return void (await commands.execute(new PromoteCommand({ product, from: environment, to: promotes_to, version, reason: `auto-promotion of ${deployment_id}` }, sagaMeta('promotion', event))));
    const dueAt = new Date(Date.parse(occurred_at) + soak_seconds * 1000).toISOString();
    await timers.schedule({ timer_id: `promote:${deployment_id}`, due_at: dueAt, action }, sagaMeta('promotion', event));
  },
});

/**
 * What a fired timer asked for. A promotion after its soak goes ahead only if the source lane saw no failure
 * since the version completed (a failure during the soak cancels it) and the version still runs there.
 */
export const timerActionsSaga = (commands: CommandBus, lanes: LaneWriter, log: (message: string) => void): Reactor => ({
  name: 'timer-actions',
  handles: ['timer.fired'],
  async react(event) {
    const { action, timer_id } = (event as Recorded<TimerEvent> & { type: 'timer.fired' }).data;
    const meta = sagaMeta('timer-actions', event);
    switch (action.type) {
      case 'DispatchDeployment':
        await commands.execute(new LaneActionCommand({ type: 'DispatchDeployment', data: action }, meta));
        return;
      case 'Promote': {
        const { state } = await lanes.load(action.product, action.from);
        const since = state.finished.findIndex((d) => d.id === action.source_deployment_id);
        const failedSince = since >= 0 && state.finished.slice(since + 1).some((d) => d.status === 'failed');
        if (since < 0 || failedSince || state.current?.version !== action.version) {
          log(`promotion ${timer_id} of ${action.product} ${action.version} to ${action.to} cancelled: ${action.from} changed during the soak`);
          return;
        }
        await commands.execute(new PromoteCommand({ product: action.product, from: action.from, to: action.to, version: action.version, reason: `auto-promotion after soak (${timer_id})` }, meta));
        return;
      }
      case 'StartRelease':
      case 'StrategyStepDue':
        return; // the release and strategy sagas handle their own timers
      default:
        return assertNever(action);
    }
  },
});
