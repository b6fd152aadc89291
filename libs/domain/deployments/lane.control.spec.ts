import { sequentialIds } from '../../testing/clock';
import { specFor } from '../../testing/given-when-then';
import type { LaneCommand, RequestDeployment } from './lane.commands';
import { decideLane, evolveLane, initialLaneState } from './lane.decider';
import {
  DeploymentFinished,
  DeploymentInFlight,
  LanePinned,
  NoRollbackTarget,
  NotAwaitingApproval,
  NotPinned,
  ReasonRequired,
  SelfApproval,
  UnknownVersion,
} from './lane.errors';
import type { LaneEvent, LaneFacts, RequestFacts } from './lane.events';
import { InvalidStrategy } from '../strategies/strategy.errors';

const NOW = '2026-11-23T10:00:00.000Z';
const LATER = '2026-11-23T12:00:00.000Z';
const given = specFor<LaneCommand, LaneEvent, typeof initialLaneState, Parameters<typeof decideLane>[2]>(
  { decide: decideLane, evolve: evolveLane, initialState: initialLaneState },
  () => {
    const ids = sequentialIds('dep');
    return { now: new Date(NOW), newDeploymentId: () => ids.next() };
  },
);

const lane = { product: 'api', environment: 'prod' };
const facts = (id: string, version: string, at = NOW): LaneFacts => ({ deployment_id: id, ...lane, version, occurred_at: at });
const started = (version: string, id: string): LaneEvent => ({ type: 'deployment.started', data: facts(id, version) });
const completed = (version: string, id: string): LaneEvent => ({ type: 'deployment.completed', data: facts(id, version) });
const failed = (version: string, id: string): LaneEvent => ({ type: 'deployment.failed', data: facts(id, version) });
const deployed = (version: string, id: string) => [started(version, id), completed(version, id)];

const request = (version: string, extra: Partial<RequestDeployment['data']> = {}): RequestDeployment => ({
  type: 'RequestDeployment',
  data: { ...lane, version, kind: 'deploy', requested_by: 'alice', approvals_required: 0, version_known: true, ...extra },
});
const requested = (id: string, version: string, extra: Partial<RequestFacts> = {}): LaneEvent => ({
  type: 'deployment.requested',
  data: { ...facts(id, version), kind: 'deploy', requested_by: 'alice', approvals_required: 0, ...extra },
});
const dispatched = (id: string, version: string, kind: RequestFacts['kind'] = 'deploy', extra: object = {}): LaneEvent => ({
  type: 'deployment.dispatched',
  data: { ...facts(id, version), kind, ...extra },
});
const on = (id: string) => ({ ...lane, deployment_id: id });

describe('lane decider: operator commands', () => {
  describe('deploy requests', () => {
    it('opens a pending deployment and dispatches it to the executor', () =>
      given(...deployed('1.0.0', 'd-1'))
        .when(request('2.0.0', { reason: 'release' }))
        .thenEmits(requested('dep-1', '2.0.0', { reason: 'release' }), dispatched('dep-1', '2.0.0')));

    it('waits for approvals when the environment requires them', () =>
      given()
        .when(request('1.0.0', { approvals_required: 2 }))
        .thenEmits(requested('dep-1', '1.0.0', { approvals_required: 2 }), { type: 'deployment.approval_requested', data: { ...facts('dep-1', '1.0.0'), approvals_required: 2 } }));

    it('waits for its schedule (a timer dispatches it later)', () =>
      given().when(request('1.0.0', { scheduled_at: LATER })).thenEmits(requested('dep-1', '1.0.0', { scheduled_at: LATER })));

    it('refuses an unknown version unless forced with a reason', () => {
      given().when(request('9.9.9', { version_known: false })).thenFails(UnknownVersion);
      given().when(request('9.9.9', { version_known: false, force: true })).thenFails(ReasonRequired);
      given()
        .when(request('9.9.9', { version_known: false, force: true, reason: 'hotfix' }))
        .thenEmits(requested('dep-1', '9.9.9', { force: true, reason: 'hotfix' }), dispatched('dep-1', '9.9.9'));
    });

    it('refuses while another deployment is in flight', () => given(started('1.0.0', 'd-1')).when(request('2.0.0')).thenFails(DeploymentInFlight));

    it('records a strategy with all its parameters, the defaults filled in', () =>
      given()
        .when(request('1.0.0', { config: { strategy: { name: 'canary', increment: 25 }, timeout: 600 } }))
        .thenEmits(
          requested('dep-1', '1.0.0', { config: { strategy: { name: 'canary', initial_percentage: 10, increment: 25, interval: 300, max_failed_checks: 1 }, timeout: 600 } }),
          dispatched('dep-1', '1.0.0'),
        ));

    it('refuses impossible strategy parameters, naming each field', () => {
      const run = () => decideLane(request('1.0.0', { config: { strategy: { name: 'canary', initial_percentage: 120, increment: 0, interval: -5 } } }), initialLaneState, { now: new Date(NOW), newDeploymentId: () => 'x' });
      expect(run).toThrow(InvalidStrategy);
      try {
        run();
      } catch (error) {
        expect((error as InvalidStrategy).errors.map((e) => e.field).sort()).toEqual(['config.strategy.increment', 'config.strategy.initial_percentage', 'config.strategy.interval']);
      }
      given().when(request('1.0.0', { config: { strategy: 'linear' } })).thenFails(InvalidStrategy, /config\.strategy/);
    });

    it('refuses deploys and promotions into a pinned lane', () => {
      const pinned: LaneEvent = { type: 'lane.pinned', data: facts('d-3', '1.0.0') };
      given(pinned).when(request('2.0.0')).thenFails(LanePinned, /unpin it/);
      given(pinned).when(request('2.0.0', { kind: 'promotion', promoted_from: 'staging' })).thenFails(LanePinned);
    });
  });

  describe('rollbacks', () => {
    const history = [...deployed('1.0.0', 'd-1'), ...deployed('2.0.0', 'd-2')];
    const rollback = (version?: string): LaneCommand => ({
      type: 'RollbackLane',
      data: { ...lane, requested_by: 'alice', approvals_required: 0, reason: 'errors', ...(version ? { version } : {}) },
    });
    const rolledBack = (version: string): LaneEvent[] => [
      requested('dep-1', version, { kind: 'rollback', reason: 'errors', is_rollback: true, rollback_of: '2.0.0', rollback_of_deployment_id: 'd-2' }),
      { type: 'lane.pinned', data: facts('dep-1', version) },
      dispatched('dep-1', version, 'rollback', { is_rollback: true }),
    ];

    it('rolls back to the previous successful version and pins the lane', () => given(...history).when(rollback()).thenEmits(...rolledBack('1.0.0')));

    it('rolls back to an explicit version that completed in the lane', () =>
      given(...deployed('0.9.0', 'd-0'), ...history).when(rollback('0.9.0')).thenEmits(...rolledBack('0.9.0')));

    it('after a failed deployment, restores the version that ran before it', () =>
      given(...deployed('1.0.0', 'd-1'), started('2.0.0', 'd-2'), failed('2.0.0', 'd-2'))
        .when(rollback())
        .thenEmits(
          requested('dep-1', '1.0.0', { kind: 'rollback', reason: 'errors', is_rollback: true, rollback_of: '2.0.0', rollback_of_deployment_id: 'd-2' }),
          { type: 'lane.pinned', data: facts('dep-1', '1.0.0') },
          dispatched('dep-1', '1.0.0', 'rollback', { is_rollback: true }),
        ));

    it('refuses a version that never completed there, or a lane with nothing before', () => {
      given(...history, started('3.0.0', 'd-3'), failed('3.0.0', 'd-3')).when(rollback('3.0.0')).thenFails(NoRollbackTarget, /never completed/);
      given(...deployed('1.0.0', 'd-1')).when(rollback()).thenFails(NoRollbackTarget, /no previous successful version/);
    });

    it('replaces a deployment still in flight', () =>
      given(...history, started('3.0.0', 'd-3'))
        .when(rollback())
        .thenEmits(
          { type: 'deployment.aborted', data: { ...facts('d-3', '3.0.0'), reason: 'superseded' } },
          requested('dep-1', '2.0.0', { kind: 'rollback', reason: 'errors', is_rollback: true, rollback_of: '3.0.0', rollback_of_deployment_id: 'd-3' }),
          { type: 'lane.pinned', data: facts('dep-1', '2.0.0') },
          dispatched('dep-1', '2.0.0', 'rollback', { is_rollback: true }),
        ));

    it('records a CI-reported newer version while pinned, flagged', () =>
      given(...history, { type: 'lane.pinned', data: facts('d-9', '1.0.0') })
        .when({ type: 'ReportDeploymentStatus', data: { ...lane, version: '3.0.0', status: 'started' } })
        .thenEmits({ type: 'deployment.started', data: { ...facts('dep-1', '3.0.0'), while_pinned: true } }));

    it('unpins, and refuses to unpin a lane that is not pinned', () => {
      given({ type: 'lane.pinned', data: facts('d-9', '1.0.0') })
        .when({ type: 'UnpinLane', data: lane })
        .thenEmits({ type: 'lane.unpinned', data: facts('d-9', '1.0.0') });
      given().when({ type: 'UnpinLane', data: lane }).thenFails(NotPinned);
    });
  });

  describe('approvals', () => {
    const waiting = [requested('d-1', '1.0.0', { approvals_required: 2 })];
    const approve = (approver: string): LaneCommand => ({ type: 'ApproveDeployment', data: { ...on('d-1'), approver, comment: 'lgtm' } });
    const approved = (approver: string, approvals: number): LaneEvent => ({
      type: 'deployment.approved',
      data: { ...facts('d-1', '1.0.0'), approver, comment: 'lgtm', approvals },
    });

    it('counts an approval from someone other than the requester', () => given(...waiting).when(approve('bob')).thenEmits(approved('bob', 1)));

    it('dispatches once n distinct approvers approved', () => given(...waiting, approved('bob', 1)).when(approve('carol')).thenEmits(approved('carol', 2), dispatched('d-1', '1.0.0')));

    it('ignores a second approval by the same person', () => given(...waiting, approved('bob', 1)).when(approve('bob')).thenNothing());

    it('refuses the requester approving their own request', () => given(...waiting).when(approve('alice')).thenFails(SelfApproval));

    it('ends the request on one rejection', () =>
      given(...waiting)
        .when({ type: 'RejectDeployment', data: { ...on('d-1'), approver: 'bob', comment: 'not now' } })
        .thenEmits(
          { type: 'deployment.rejected', data: { ...facts('d-1', '1.0.0'), approver: 'bob', comment: 'not now' } },
          { type: 'deployment.aborted', data: { ...facts('d-1', '1.0.0'), reason: 'rejected' } },
        ));

    it('refuses approving a deployment that does not wait for approval', () => {
      given(requested('d-1', '1.0.0'), dispatched('d-1', '1.0.0')).when(approve('bob')).thenFails(NotAwaitingApproval);
      given(...deployed('1.0.0', 'd-1')).when(approve('bob')).thenFails(DeploymentFinished);
    });

    it('keeps an approved deployment for its schedule', () =>
      given(requested('d-1', '1.0.0', { approvals_required: 1, scheduled_at: LATER })).when(approve('bob')).thenEmits(approved('bob', 1)));
  });

  describe('cancel and scheduled dispatch', () => {
    it('ends a deployment no executor started yet at once', () =>
      given(requested('d-1', '1.0.0', { scheduled_at: LATER }))
        .when({ type: 'CancelDeployment', data: { ...on('d-1'), reason: 'changed my mind' } })
        .thenEmits(
          { type: 'deployment.cancel_requested', data: { ...facts('d-1', '1.0.0'), reason: 'changed my mind' } },
          { type: 'deployment.aborted', data: { ...facts('d-1', '1.0.0'), reason: 'cancelled' } },
        ));

    it('asks the executor to stop a running deployment', () =>
      given(requested('d-1', '1.0.0'), dispatched('d-1', '1.0.0'), started('1.0.0', 'd-1'))
        .when({ type: 'CancelDeployment', data: on('d-1') })
        .thenEmits({ type: 'deployment.cancel_requested', data: facts('d-1', '1.0.0') }));

    it('refuses to cancel a finished deployment', () => given(...deployed('1.0.0', 'd-1')).when({ type: 'CancelDeployment', data: on('d-1') }).thenFails(DeploymentFinished, /already ended as "completed"/));

    it('dispatches a scheduled deployment when its timer fires, once', () => {
      given(requested('d-1', '1.0.0', { scheduled_at: LATER })).when({ type: 'DispatchDeployment', data: on('d-1') }).thenEmits(dispatched('d-1', '1.0.0'));
      given(requested('d-1', '1.0.0', { scheduled_at: LATER }), dispatched('d-1', '1.0.0')).when({ type: 'DispatchDeployment', data: on('d-1') }).thenNothing();
    });

    it('does not dispatch a cancelled or unapproved scheduled deployment', () => {
      given(requested('d-1', '1.0.0', { scheduled_at: LATER, approvals_required: 1 })).when({ type: 'DispatchDeployment', data: on('d-1') }).thenNothing();
      given(requested('d-1', '1.0.0', { scheduled_at: LATER }), { type: 'deployment.aborted', data: { ...facts('d-1', '1.0.0'), reason: 'cancelled' } })
        .when({ type: 'DispatchDeployment', data: on('d-1') })
        .thenNothing();
    });
  });
});
