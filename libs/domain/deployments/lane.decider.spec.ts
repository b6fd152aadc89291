import { specFor } from '../../testing/given-when-then';
import { sequentialIds } from '../../testing/clock';
import { VersionShaConflict } from '../shared/version-sha';
import type { ReportDeploymentStatus } from './lane.commands';
import { decideLane, deploymentOfReport, evolveLane, initialLaneState, type DecideContext } from './lane.decider';
import { DeploymentMismatch, DeploymentNotFound, TerminalStatusConflict } from './lane.errors';
import type { DeploymentFacts, LaneEvent } from './lane.events';
import type { CanonicalStatus } from './statuses';

const NOW = '2026-11-23T10:00:00.000Z';
const EARLIER = '2026-11-23T09:00:00.000Z';
const contextWith =
  (extra: Partial<DecideContext> = {}) =>
  (): DecideContext => {
    const ids = sequentialIds('dep');
    return { now: new Date(NOW), newDeploymentId: () => ids.next(), ...extra };
  };
const lane = { decide: decideLane, evolve: evolveLane, initialState: initialLaneState };
const given = specFor(lane, contextWith());

type Extra = Partial<ReportDeploymentStatus['data']>;
const report = (version: string, status: CanonicalStatus, extra: Extra = {}): ReportDeploymentStatus => ({
  type: 'ReportDeploymentStatus',
  data: { product: 'api', environment: 'prod', version, status, ...extra },
});
const facts = (version: string, id: string, at = NOW, extra: Partial<DeploymentFacts> = {}): DeploymentFacts => ({
  deployment_id: id,
  product: 'api',
  environment: 'prod',
  version,
  occurred_at: at,
  ...extra,
});
const event = (status: CanonicalStatus, version: string, id: string, at = NOW, extra: object = {}): LaneEvent =>
  ({ type: `deployment.${status}`, data: { ...facts(version, id, at), ...extra } }) as LaneEvent;
const started = (version: string, id = 'd-a', extra: object = {}) => event('started', version, id, NOW, extra);
const completed = (version: string, id = 'd-a', at = NOW) => event('completed', version, id, at);
const failed = (version: string, id = 'd-a') => event('failed', version, id);
const deployed = (version: string, id: string) => [started(version, id), completed(version, id)];

describe('lane decider', () => {
  describe('on an empty lane', () => {
    it('opens a deployment when a version starts', () => given().when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'dep-1')));

    it('opens a pending deployment when a version is queued', () => given().when(report('1.2.3', 'pending')).thenEmits(event('pending', '1.2.3', 'dep-1')));

    it('accepts a completion without a prior start as an implicit start', () =>
      given().when(report('1.2.3', 'completed')).thenEmits(started('1.2.3', 'dep-1'), completed('1.2.3', 'dep-1')));

    it('accepts a failure without a prior start as an implicit start', () =>
      given().when(report('1.2.3', 'failed')).thenEmits(started('1.2.3', 'dep-1'), event('failed', '1.2.3', 'dep-1')));

    it('keeps the client-supplied occurred_at and the CI facts', () =>
      given()
        .when(report('1.2.3', 'started', { occurred_at: EARLIER, deployed_by: 'ci', scm_sha: 'abc' }))
        .thenEmits({ type: 'deployment.started', data: facts('1.2.3', 'dep-1', EARLIER, { deployed_by: 'ci', scm_sha: 'abc' }) }));

    it('refuses a deployment_id it never issued', () => given().when(report('1.2.3', 'completed', { deployment_id: 'nope' })).thenFails(DeploymentNotFound));
  });

  describe('with a deployment in flight', () => {
    it('records progress to a terminal status', () => given(started('1.2.3')).when(report('1.2.3', 'failed')).thenEmits(failed('1.2.3')));

    it('moves pending to started', () => given(event('pending', '1.2.3', 'd-a')).when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'd-a')));

    it('treats a repeated start as a no-op', () => given(started('1.2.3')).when(report('1.2.3', 'started')).thenNothing());

    it('ignores a pending that arrives after the start', () => given(started('1.2.3')).when(report('1.2.3', 'pending')).thenNothing());

    it('supersedes the in-flight version when another one starts', () =>
      given(started('1.2.3'))
        .when(report('1.2.4', 'started'))
        .thenEmits({ type: 'deployment.aborted', data: { ...facts('1.2.3', 'd-a'), reason: 'superseded' } }, started('1.2.4', 'dep-1')));

    it('supersedes with the facts the open deployment had', () =>
      given(started('1.2.3', 'd-a', { deployed_by: 'alice' }))
        .when(report('1.2.4', 'completed'))
        .thenEmits(
          { type: 'deployment.aborted', data: { ...facts('1.2.3', 'd-a', NOW, { deployed_by: 'alice' }), reason: 'superseded' } },
          started('1.2.4', 'dep-1'),
          completed('1.2.4', 'dep-1'),
        ));

    it('routes a report with deployment_id to that deployment', () =>
      given(started('1.2.3', 'd-a')).when(report('1.2.3', 'completed', { deployment_id: 'd-a' })).thenEmits(completed('1.2.3', 'd-a')));

    it('refuses a deployment_id whose version differs from the report', () =>
      given(started('1.2.3', 'd-a')).when(report('9.9.9', 'completed', { deployment_id: 'd-a' })).thenFails(DeploymentMismatch));
  });

  describe('after a deployment finished', () => {
    it('treats a repeated terminal status as a duplicate', () => given(...deployed('1.2.3', 'd-a')).when(report('1.2.3', 'completed')).thenNothing());
    it('treats a repeated terminal status as a duplicate even when the stream never opened the deployment', () =>
      given(completed('1.2.3', 'd-a')).when(report('1.2.3', 'completed')).thenNothing());

    it('refuses a different terminal status, naming the current one', () =>
      given(...deployed('1.2.3', 'd-a')).when(report('1.2.3', 'failed')).thenFails(TerminalStatusConflict, /already ended as "completed"/));

    it('refuses a different terminal status addressed by deployment_id too', () =>
      given(...deployed('1.2.3', 'd-a')).when(report('1.2.3', 'aborted', { deployment_id: 'd-a' })).thenFails(TerminalStatusConflict));

    it('treats a repeated completion as a duplicate even after other deployments (retries arrive in any order)', () =>
      given(...deployed('1.0.0', 'd-1'), ...deployed('2.0.0', 'd-2')).when(report('1.0.0', 'completed')).thenNothing());

    it('counts a completion dated after other deployments as a new deployment of that version (here a rollback)', () =>
      given(started('1.0.0', 'd-1'), completed('1.0.0', 'd-1', EARLIER), started('2.0.0', 'd-2'), failed('2.0.0', 'd-2'))
        .when(report('1.0.0', 'completed', { occurred_at: NOW }))
        .thenEmits(started('1.0.0', 'dep-1', { is_rollback: true, rollback_of: '2.0.0', rollback_of_deployment_id: 'd-2' }), completed('1.0.0', 'dep-1')));

    it('keeps a dated completion of the latest deployment a duplicate', () =>
      given(started('1.0.0', 'd-1'), completed('1.0.0', 'd-1', EARLIER)).when(report('1.0.0', 'completed', { occurred_at: NOW })).thenNothing());

    it('opens a new deployment when the finished version starts again (a redeploy)', () =>
      given(...deployed('1.2.3', 'd-a')).when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'dep-1')));

    it('records a start that happened before the finish as late, without a new deployment', () =>
      given(started('1.2.3', 'd-a'), completed('1.2.3', 'd-a', NOW))
        .when(report('1.2.3', 'started', { occurred_at: EARLIER }))
        .thenEmits({ type: 'deployment.reported_late', data: { ...facts('1.2.3', 'd-a', EARLIER), status: 'started' } }));

    it('treats a start after the finish (by occurred_at) as a redeploy', () =>
      given(started('1.2.3', 'd-a'), completed('1.2.3', 'd-a', EARLIER))
        .when(report('1.2.3', 'started', { occurred_at: NOW }))
        .thenEmits(event('started', '1.2.3', 'dep-1', NOW)));

    it('ignores a repeated start addressed by deployment_id to a finished deployment', () =>
      given(...deployed('1.2.3', 'd-a')).when(report('1.2.3', 'started', { deployment_id: 'd-a' })).thenNothing());
  });

  describe('immutable versions', () => {
    it('refuses a version reported with another commit than it was deployed with', () =>
      given(started('1.2.3', 'd-a', { scm_sha: 'aaa' }), completed('1.2.3', 'd-a'))
        .when(report('1.2.3', 'started', { scm_sha: 'bbb' }))
        .thenFails(VersionShaConflict, /recorded with scm_sha aaa/));

    it('refuses a version whose build recorded another commit', () =>
      specFor(lane, contextWith({ buildSha: 'aaa' }))()
        .when(report('1.2.3', 'started', { scm_sha: 'bbb' }))
        .thenFails(VersionShaConflict));

    it('accepts the same commit, or a report without one', () => {
      given(started('1.2.3', 'd-a', { scm_sha: 'aaa' })).when(report('1.2.3', 'completed', { scm_sha: 'aaa' })).thenEmits(
        event('completed', '1.2.3', 'd-a', NOW, { scm_sha: 'aaa' }),
      );
      given(started('1.2.3', 'd-a', { scm_sha: 'aaa' })).when(report('1.2.3', 'completed')).thenEmits(completed('1.2.3', 'd-a'));
    });
  });

  describe('rollback detection', () => {
    const rollback = { is_rollback: true, rollback_of: '2.0.0', rollback_of_deployment_id: 'd-2' };

    it('marks a deployment of a version that completed before the current one as a rollback', () =>
      given(...deployed('1.0.0', 'd-1'), ...deployed('2.0.0', 'd-2'))
        .when(report('1.0.0', 'started'))
        .thenEmits(started('1.0.0', 'dep-1', rollback)));

    it('marks an implicit start of an older version as a rollback too', () =>
      given(started('1.0.0', 'd-1'), completed('1.0.0', 'd-1', EARLIER), ...deployed('2.0.0', 'd-2'))
        .when(report('1.0.0', 'completed', { occurred_at: NOW }))
        .thenEmits(started('1.0.0', 'dep-1', rollback), completed('1.0.0', 'dep-1')));

    it('does not mark a new version, a redeploy of the current one, or a roll forward', () => {
      given(...deployed('1.0.0', 'd-1')).when(report('2.0.0', 'started')).thenEmits(started('2.0.0', 'dep-1'));
      given(...deployed('1.0.0', 'd-1')).when(report('1.0.0', 'started')).thenEmits(started('1.0.0', 'dep-1'));
      given(...deployed('1.0.0', 'd-1'), ...deployed('2.0.0', 'd-2'), ...deployed('1.0.0', 'd-3'))
        .when(report('2.0.0', 'started'))
        .thenEmits(started('2.0.0', 'dep-1'));
    });

    it('marks going back after a failed upgrade as a rollback of the failed version', () =>
      given(...deployed('1.0.0', 'd-1'), started('2.0.0', 'd-2'), failed('2.0.0', 'd-2'))
        .when(report('1.0.0', 'started'))
        .thenEmits(started('1.0.0', 'dep-1', { is_rollback: true, rollback_of: '2.0.0', rollback_of_deployment_id: 'd-2' })));

    it('does not count a version that only failed as deployed before', () =>
      given(started('1.0.0', 'd-1'), failed('1.0.0', 'd-1'), ...deployed('2.0.0', 'd-2')).when(report('1.0.0', 'started')).thenEmits(started('1.0.0', 'dep-1')));
  });
});

describe('lane state', () => {
  it('knows which deployment a report refers to: by id, the open one, else the latest finished one', () => {
    const state = [...deployed('1.0.0', 'd-1'), started('1.0.0', 'd-2')].reduce(evolveLane, initialLaneState);
    expect(deploymentOfReport(state, { version: '1.0.0' })).toBe('d-2');
    expect(deploymentOfReport(state, { version: '1.0.0', deployment_id: 'd-1' })).toBe('d-1');
    expect(deploymentOfReport(deployed('1.0.0', 'd-1').reduce(evolveLane, initialLaneState), { version: '1.0.0' })).toBe('d-1');
    expect(deploymentOfReport(state, { version: '9.9.9' })).toBeNull();
  });

  it('tracks the current deployment: the last completed one', () => {
    const state = [...deployed('1.0.0', 'd-1'), started('2.0.0', 'd-2'), failed('2.0.0', 'd-2')].reduce(evolveLane, initialLaneState);
    expect(state.current).toEqual({ id: 'd-1', version: '1.0.0' });
    expect(state.inFlight).toBeNull();
  });
});
