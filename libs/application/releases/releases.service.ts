import type { CommandBus } from '@nestjs/cqrs';
import type { LaneFacts } from '../../domain/deployments/lane.events';
import {
  decideRelease,
  evolveRelease,
  initialReleaseState,
  nextApplication,
  releaseStream,
  ReleaseNotFound,
  type CreateRelease,
  type ReleaseCommand,
  type ReleaseEvent,
  type ReleaseState,
  type RollBackTarget,
} from '../../domain/releases/release';
import { DomainError } from '../../domain/shared/domain-error';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import type { EventStore, Recorded, RecordedEvent } from '../../event-store/event-store.port';
import { LaneActionCommand, RequestDeploymentCommand, RollbackCommand } from '../deployments/control-plane.handlers';
import type { LaneWriter } from '../deployments/lane-writer';
import { sagaMeta } from '../deployments/sagas';
import type { Reactor } from '../reactors/reactor';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, loadStream, StreamStateCache } from '../shared/stream-command';
import type { TimerService } from '../timers/timer.service';
import type { TimerEvent } from '../../domain/timers/timers';

const RELEASE = { initialState: initialReleaseState, evolve: evolveRelease };

export type ReleaseView = {
  release_id: string;
  name: string;
  environment: string;
  status: NonNullable<ReleaseState['status']>;
  created_by: string;
  created_at: string;
  start_time: string | null;
  duration_minutes: number | null;
  approvals_required: number;
  approvers: readonly string[];
  progress: { completed: number; total: number };
  applications: { name: string; version: string; status: string; deployment_id: string | null; reason: string | null }[];
  reason: string | null;
  history: { type: string; at: string }[];
};

/** Releases: commands on `release-{id}` streams, and the view of one, folded from its stream (releases are short). */
export class ReleasesService {
  private readonly cache = new StreamStateCache(1_000);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  /** Creates a release; a retry with the same idempotency key answers the release the first request created. */
  async create(data: Omit<CreateRelease['data'], 'release_id'>, meta: CommandMeta): Promise<string> {
    const releaseId = this.ids.next();
    const outcome = await this.execute(releaseId, { type: 'CreateRelease', data: { ...data, release_id: releaseId } }, { ...meta, request: data });
    const created = outcome.kind === 'appended' ? outcome.events.find((e) => e.type === 'release.planned') : undefined;
    return created?.type === 'release.planned' ? created.data.release_id : releaseId;
  }

  execute(releaseId: string, command: ReleaseCommand, meta: CommandMeta & { request?: unknown }) {
    return executeOnStream(this.store, this.cache, releaseStream(releaseId), RELEASE, (state) => {
      if (command.type !== 'CreateRelease' && !state.id) throw new ReleaseNotFound(releaseId);
      return decideRelease(command, state, this.clock.now());
    }, meta);
  }

  async state(releaseId: string): Promise<ReleaseState> {
    return (await loadStream(this.store, this.cache, releaseStream(releaseId), RELEASE)).state;
  }

  async view(releaseId: string): Promise<ReleaseView> {
    const { events } = await this.store.readStream(releaseStream(releaseId));
    const recorded = events as unknown as Recorded<ReleaseEvent>[];
    const created = recorded[0];
    if (!created || created.type !== 'release.planned') throw new ReleaseNotFound(releaseId);
    const state = recorded.reduce<ReleaseState>(evolveRelease, initialReleaseState);
    const reasons = new Map(recorded.flatMap((e) => (e.type === 'release.application_failed' ? [[e.data.product, e.data.reason] as const] : [])));
    const ended = recorded.find((e) => e.type === 'release.failed' || e.type === 'release.cancelled' || e.type === 'release.rejected');
    const { data } = created;
    return {
      release_id: data.release_id,
      name: data.name,
      environment: data.environment,
      status: state.status!,
      created_by: data.created_by,
      created_at: data.occurred_at,
      start_time: data.start_time,
      duration_minutes: data.duration_minutes,
      approvals_required: data.approvals_required,
      approvers: state.approvers,
      progress: { completed: state.applications.filter((a) => a.status === 'completed').length, total: state.applications.length },
      applications: state.applications.map((a) => ({ name: a.product, version: a.version, status: a.status, deployment_id: a.deployment_id, reason: reasons.get(a.product) ?? null })),
      reason: ended?.type === 'release.failed' || ended?.type === 'release.cancelled' ? ended.data.reason : ended?.type === 'release.rejected' ? ended.data.comment : null,
      history: recorded.map((e) => ({ type: e.type, at: e.recordedAt })),
    };
  }

  /** Newest first, by position; `before` is the position cursor of the previous page. */
  async list(limit: number, before: number | null): Promise<{ items: ReleaseView[]; next_cursor: string | null }> {
    const created = await this.store.searchEvents({ types: ['release.planned'], limit: 10_000 });
    const page = created.filter((e) => before === null || e.position < before).reverse().slice(0, limit);
    const items = await Promise.all(page.map((e) => this.view((e.data as { release_id: string }).release_id)));
    const last = page[page.length - 1];
    return { items, next_cursor: page.length === limit && last ? String(last.position) : null };
  }
}

/**
 * Drives releases: starts them when approved and due (a durable timer for a future start), deploys their
 * applications one at a time through the ordinary deploy command (so every environment policy applies), follows
 * each deployment to its end, and on failure or cancellation rolls back what the release had already deployed.
 * A deployment of the release that ends up running after the release stopped (a cancel racing a dispatch or a
 * completion) is cancelled or rolled back too.
 */
export const releaseSaga = (deps: { commands: CommandBus; releases: ReleasesService; lanes: LaneWriter; timers: TimerService; clock: Clock; log: (message: string) => void }): Reactor => {
  const { commands, releases, lanes, timers, clock, log } = deps;
  const meta = (event: RecordedEvent, step: string) => ({ ...sagaMeta('release', event), idempotencyKey: `${event.id}:release:${step}` });

  /** Refusals (nothing to cancel, nothing to roll back to) are logged: the other steps still go ahead. */
  const tolerating = async (releaseId: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      log(`release ${releaseId}: ${error.detail}`);
    }
  };
  const rollBack = (releaseId: string, event: RecordedEvent, environment: string, target: RollBackTarget, reason: string) =>
    tolerating(releaseId, async () => {
      if (target.to_version === null) return log(`release ${releaseId}: ${target.product} ran nothing before ${target.from_version}; left as is`);
      await commands.execute(new RollbackCommand({ product: target.product, environment, version: target.to_version, reason }, meta(event, `rollback:${target.product}`)));
    });

  const startWhenDue = async (releaseId: string, event: RecordedEvent) => {
    const state = await releases.state(releaseId);
    if (state.status !== 'scheduled') return;
    if (state.startTime && state.startTime > clock.now().toISOString()) {
      await timers.schedule({ timer_id: `release:${releaseId}`, due_at: state.startTime, action: { type: 'StartRelease', release_id: releaseId } }, meta(event, 'timer'));
      return;
    }
    await releases.execute(releaseId, { type: 'StartRelease', data: {} }, meta(event, 'start'));
  };

  const deployNext = async (releaseId: string, event: RecordedEvent) => {
    const state = await releases.state(releaseId);
    const next = nextApplication(state);
    if (!next || !state.environment) return;
    const environment = state.environment;
    const { state: lane } = await lanes.load(next.product, environment);
    // After a crash between the request and its record, the deployment already exists: record it, do not ask again.
    const existing = [lane.inFlight, ...lane.finished].find((a) => a?.request?.releaseId === releaseId);
    const previousVersion = lane.current?.version ?? null;
    let deploymentId = existing?.id;
    if (!deploymentId) {
      try {
        const result = await commands.execute(
          new RequestDeploymentCommand({ product: next.product, environment, version: next.version, release_id: releaseId, reason: `release ${releaseId}` }, meta(event, `deploy:${next.product}`)),
        );
        deploymentId = result.deploymentId ?? undefined;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const reason = `refused: ${error.detail}`;
        await releases.execute(releaseId, { type: 'RecordOutcome', data: { product: next.product, deployment_id: null, outcome: 'failed', reason } }, meta(event, `refused:${next.product}`));
        return;
      }
    }
    if (!deploymentId) throw new Error(`the deploy request for ${next.product} ${next.version} created no deployment`);
    const recorded = await releases.execute(releaseId, { type: 'RecordDispatch', data: { product: next.product, deployment_id: deploymentId, previous_version: previousVersion } }, meta(event, `dispatch:${next.product}`));
    if (recorded.kind === 'unchanged') {
      // The release stopped meanwhile (cancelled): this deployment must not go ahead.
      const id = deploymentId;
      await tolerating(releaseId, () => commands.execute(new LaneActionCommand({ type: 'CancelDeployment', data: { product: next.product, environment, deployment_id: id, reason: `release ${releaseId} stopped` } }, meta(event, `orphan:${next.product}`))));
    }
  };

  const stop = async (releaseId: string, event: RecordedEvent, targets: RollBackTarget[], reason: string) => {
    const state = await releases.state(releaseId);
    const environment = state.environment!;
    const inFlight = state.applications.find((a) => a.status === 'deploying');
    if (inFlight?.deployment_id) {
      const id = inFlight.deployment_id;
      await tolerating(releaseId, () => commands.execute(new LaneActionCommand({ type: 'CancelDeployment', data: { product: inFlight.product, environment, deployment_id: id, reason } }, meta(event, `cancel:${inFlight.product}`))));
    }
    for (const target of targets) await rollBack(releaseId, event, environment, target, reason);
  };

  /** A deployment the release requested ended: record it; if the release had already stopped and it completed, undo it. */
  const deploymentEnded = async (event: RecordedEvent) => {
    const { product, environment, deployment_id, version } = event.data as LaneFacts;
    // Only the deployment's own entry is read: the lane as of this event is enough.
    const { state: lane } = await lanes.load(product, environment, event.revision);
    // From the end: the deployment that just ended is (nearly always) the last one finished.
    const releaseId = lane.finished.findLast((d) => d.id === deployment_id)?.request?.releaseId;
    if (!releaseId) return;
    const outcome = event.type === 'deployment.completed' ? 'completed' : 'failed';
    const aborted = (event.data as { reason?: string }).reason;
    const reason = event.type === 'deployment.aborted' ? `deployment aborted${aborted ? ` (${aborted})` : ''}` : 'deployment failed';
    const recorded = await releases.execute(releaseId, { type: 'RecordOutcome', data: { product, deployment_id, outcome, reason } }, meta(event, 'outcome'));
    const release = recorded.kind === 'unchanged' ? recorded.state : null;
    if (outcome !== 'completed' || (release?.status !== 'cancelled' && release?.status !== 'failed')) return;
    // What ran before: recorded at dispatch, or (a deployment the release never recorded) the lane's previous completion.
    const app = release.applications.find((a) => a.deployment_id === deployment_id);
    if (app && app.status !== 'deploying') return; // recorded before the release stopped: its roll_back list has it
    const previous = app ? app.previous_version : (lane.finished.findLast((d) => d.status === 'completed' && d.id !== deployment_id)?.version ?? null);
    if (previous !== version) await rollBack(releaseId, event, environment, { product, from_version: version, to_version: previous }, `release ${releaseId} stopped before ${product} ${version} completed`);
  };

  return {
    name: 'release',
    handles: ['release.planned', 'release.approved', 'release.started', 'release.application_completed', 'release.failed', 'release.cancelled', 'deployment.completed', 'deployment.failed', 'deployment.aborted', 'timer.fired'],
    async react(event) {
      const data = event.data as { release_id?: string };
      switch (event.type) {
        case 'release.planned':
        case 'release.approved':
          return startWhenDue(data.release_id!, event);
        case 'release.started':
        case 'release.application_completed':
          return deployNext(data.release_id!, event);
        case 'release.failed':
        case 'release.cancelled': {
          const { roll_back } = event.data as { roll_back: RollBackTarget[] };
          return stop(data.release_id!, event, roll_back, `release ${data.release_id} ${event.type === 'release.failed' ? 'failed' : 'cancelled'}`);
        }
        case 'timer.fired': {
          const { action } = (event as Recorded<TimerEvent> & { type: 'timer.fired' }).data;
          if (action.type === 'StartRelease') await releases.execute(action.release_id, { type: 'StartRelease', data: {} }, meta(event, 'start'));
          return;
        }
        default:
          return deploymentEnded(event);
      }
    },
  };
};
