import { specFor } from '../../testing/given-when-then';
import { decideRelease, evolveRelease, initialReleaseState, nextApplication, ReleaseConflict, type ReleaseCommand, type ReleaseEvent, type ReleaseState } from './release';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor<ReleaseCommand, ReleaseEvent, ReleaseState, Date>({ decide: decideRelease, evolve: evolveRelease, initialState: initialReleaseState }, () => new Date(NOW));
const ref = { release_id: 'r-1', occurred_at: NOW };
const apps = [
  { product: 'api', version: '2.0.0' },
  { product: 'web', version: '3.1.0' },
];
const created = (extra: Partial<Extract<ReleaseEvent, { type: 'release.planned' }>['data']> = {}): ReleaseEvent => ({
  type: 'release.planned',
  data: { ...ref, name: 'Q4', environment: 'production', applications: apps, start_time: null, duration_minutes: null, approvals_required: 0, created_by: 'token:alice', ...extra },
});
const started: ReleaseEvent = { type: 'release.started', data: ref };
const dispatched = (product: string, version: string, deployment_id: string, previous_version: string | null = '1.0.0'): ReleaseEvent => ({
  type: 'release.application_dispatched',
  data: { ...ref, product, version, deployment_id, previous_version },
});
const completed = (product: string, version: string, deployment_id: string): ReleaseEvent => ({ type: 'release.application_completed', data: { ...ref, product, version, deployment_id } });

describe('release decider', () => {
  it('creates a release once, refusing an application listed twice', () => {
    const create: ReleaseCommand = { type: 'CreateRelease', data: { release_id: 'r-1', name: 'Q4', environment: 'production', applications: apps, approvals_required: 0, created_by: 'token:alice' } };
    given().when(create).thenEmits(created());
    given(created()).when(create).thenNothing();
    given().when({ ...create, data: { ...create.data, applications: [apps[0]!, { product: 'api', version: '2.1.0' }] } }).thenFails(ReleaseConflict, /api appears twice/);
  });

  it('starts only when approved and due', () => {
    given(created({ approvals_required: 1 })).when({ type: 'StartRelease', data: {} }).thenNothing();
    given(created({ start_time: '2026-11-23T11:00:00.000Z' })).when({ type: 'StartRelease', data: {} }).thenNothing();
    given(created({ start_time: '2026-11-23T09:00:00.000Z' })).when({ type: 'StartRelease', data: {} }).thenEmits(started);
    given(created({ approvals_required: 1 }), { type: 'release.approved', data: { ...ref, approver: 'token:bob' } }).when({ type: 'StartRelease', data: {} }).thenEmits(started);
  });

  it('is approved by others than its creator, each once', () => {
    given(created({ approvals_required: 2 })).when({ type: 'ApproveRelease', data: { approver: 'token:alice' } }).thenFails(ReleaseConflict, /creator/);
    const bob: ReleaseEvent = { type: 'release.approved', data: { ...ref, approver: 'token:bob' } };
    given(created({ approvals_required: 2 })).when({ type: 'ApproveRelease', data: { approver: 'token:bob' } }).thenEmits(bob);
    given(created({ approvals_required: 2 }), bob).when({ type: 'ApproveRelease', data: { approver: 'token:bob' } }).thenNothing();
    given(created()).when({ type: 'ApproveRelease', data: { approver: 'token:bob' } }).thenFails(ReleaseConflict, /not awaiting approval/);
  });

  it('is rejected once, by others than its creator, and then never starts', () => {
    const rejected: ReleaseEvent = { type: 'release.rejected', data: { ...ref, approver: 'token:bob', comment: 'not now' } };
    given(created({ approvals_required: 1 })).when({ type: 'RejectRelease', data: { approver: 'token:alice' } }).thenFails(ReleaseConflict, /creator/);
    given(created({ approvals_required: 1 })).when({ type: 'RejectRelease', data: { approver: 'token:bob', comment: 'not now' } }).thenEmits(rejected);
    given(created({ approvals_required: 1 }), rejected).when({ type: 'ApproveRelease', data: { approver: 'token:carol' } }).thenFails(ReleaseConflict, /rejected, not awaiting approval/);
    given(created({ approvals_required: 1 }), rejected).when({ type: 'StartRelease', data: {} }).thenNothing();
  });

  it('deploys one application at a time and completes after the last', () => {
    const state = [created(), started, dispatched('api', '2.0.0', 'd-1')].reduce(evolveRelease, initialReleaseState);
    expect(nextApplication(state)).toBeNull();
    given(created(), started, dispatched('api', '2.0.0', 'd-1')).when({ type: 'RecordDispatch', data: { product: 'web', deployment_id: 'd-2', previous_version: '1.0.0' } }).thenNothing();
    given(created(), started, dispatched('api', '2.0.0', 'd-1')).when({ type: 'RecordOutcome', data: { product: 'api', deployment_id: 'd-other', outcome: 'completed' } }).thenNothing();
    given(created(), started, dispatched('api', '2.0.0', 'd-1'))
      .when({ type: 'RecordOutcome', data: { product: 'api', deployment_id: 'd-1', outcome: 'completed' } })
      .thenEmits(completed('api', '2.0.0', 'd-1'));
    expect(nextApplication([created(), started, dispatched('api', '2.0.0', 'd-1'), completed('api', '2.0.0', 'd-1')].reduce(evolveRelease, initialReleaseState))).toEqual(apps[1]);
    given(created(), started, dispatched('api', '2.0.0', 'd-1'), completed('api', '2.0.0', 'd-1'), dispatched('web', '3.1.0', 'd-2'))
      .when({ type: 'RecordOutcome', data: { product: 'web', deployment_id: 'd-2', outcome: 'completed' } })
      .thenEmits(completed('web', '3.1.0', 'd-2'), { type: 'release.completed', data: ref });
  });

  it('fails at the first failed application, naming the deployed ones to roll back (to what ran before), newest first', () => {
    const four = [...apps, { product: 'auth', version: '5.0.0' }, { product: 'billing', version: '1.4.0' }];
    given(
      created({ applications: four }),
      started,
      dispatched('api', '2.0.0', 'd-1', null),
      completed('api', '2.0.0', 'd-1'),
      dispatched('web', '3.1.0', 'd-2', '3.0.0'),
      completed('web', '3.1.0', 'd-2'),
      dispatched('auth', '5.0.0', 'd-4', '5.0.0'), // already running: a redeploy changes nothing, nothing to undo
      completed('auth', '5.0.0', 'd-4'),
      dispatched('billing', '1.4.0', 'd-3'),
    )
      .when({ type: 'RecordOutcome', data: { product: 'billing', deployment_id: 'd-3', outcome: 'failed', reason: 'deployment failed' } })
      .thenEmits(
        { type: 'release.application_failed', data: { ...ref, product: 'billing', version: '1.4.0', deployment_id: 'd-3', reason: 'deployment failed' } },
        {
          type: 'release.failed',
          data: {
            ...ref,
            reason: 'billing 1.4.0: deployment failed',
            roll_back: [
              { product: 'web', from_version: '3.1.0', to_version: '3.0.0' },
              { product: 'api', from_version: '2.0.0', to_version: null },
            ],
          },
        },
      );
  });

  it('records a refused deploy request as a failure of the pending application', () => {
    given(created(), started)
      .when({ type: 'RecordOutcome', data: { product: 'api', deployment_id: null, outcome: 'failed', reason: 'refused: frozen' } })
      .thenEmits(
        { type: 'release.application_failed', data: { ...ref, product: 'api', version: '2.0.0', deployment_id: null, reason: 'refused: frozen' } },
        { type: 'release.failed', data: { ...ref, reason: 'api 2.0.0: refused: frozen', roll_back: [] } },
      );
  });

  it('cancels an unfinished release once', () => {
    const cancelled: ReleaseEvent = { type: 'release.cancelled', data: { ...ref, cancelled_by: 'token:bob', reason: null, roll_back: [{ product: 'api', from_version: '2.0.0', to_version: '1.0.0' }] } };
    given(created(), started, dispatched('api', '2.0.0', 'd-1'), completed('api', '2.0.0', 'd-1')).when({ type: 'CancelRelease', data: { cancelled_by: 'token:bob' } }).thenEmits(cancelled);
    given(created(), cancelled).when({ type: 'CancelRelease', data: { cancelled_by: 'token:bob' } }).thenFails(ReleaseConflict, /already cancelled/);
  });
});
