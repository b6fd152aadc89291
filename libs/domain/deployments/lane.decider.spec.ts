import { specFor } from '../../testing/given-when-then';
import { sequentialIds } from '../../testing/clock';
import type { ReportDeploymentStatus } from './lane.commands';
import { decideLane, deploymentOfVersion, evolveLane, initialLaneState } from './lane.decider';
import { TerminalStatusConflict } from './lane.errors';
import type { DeploymentFacts, LaneEvent } from './lane.events';
import type { CanonicalStatus } from './statuses';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor({ decide: decideLane, evolve: evolveLane, initialState: initialLaneState }, () => {
  const ids = sequentialIds('dep');
  return { now: new Date(NOW), newDeploymentId: () => ids.next() };
});

const report = (version: string, status: CanonicalStatus, extra: Partial<ReportDeploymentStatus['data']> = {}): ReportDeploymentStatus => ({
  type: 'ReportDeploymentStatus',
  data: { product: 'api', environment: 'prod', version, status, ...extra },
});
const facts = (version: string, id: string, at = NOW): DeploymentFacts => ({ deployment_id: id, product: 'api', environment: 'prod', version, occurred_at: at });
const event = (status: CanonicalStatus, version: string, id: string, at = NOW): LaneEvent =>
  ({ type: `deployment.${status}`, data: facts(version, id, at) }) as LaneEvent;
const started = (version: string, id = 'd-a') => event('started', version, id);
const completed = (version: string, id = 'd-a') => event('completed', version, id);

describe('lane decider: reporting deployment status', () => {
  describe('on an empty lane', () => {
    it('opens a deployment when a version starts', () => given().when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'dep-1')));

    it('opens a pending deployment when a version is queued', () => given().when(report('1.2.3', 'pending')).thenEmits(event('pending', '1.2.3', 'dep-1')));

    it('accepts a completion without a prior start as an implicit start', () =>
      given().when(report('1.2.3', 'completed')).thenEmits(started('1.2.3', 'dep-1'), completed('1.2.3', 'dep-1')));

    it('keeps the client-supplied occurred_at and the CI facts', () =>
      given()
        .when(report('1.2.3', 'started', { occurred_at: '2026-11-23T09:00:00.000Z', deployed_by: 'ci', scm_sha: 'abc' }))
        .thenEmits({ type: 'deployment.started', data: { ...facts('1.2.3', 'dep-1', '2026-11-23T09:00:00.000Z'), deployed_by: 'ci', scm_sha: 'abc' } }));
  });

  describe('with a deployment in flight', () => {
    it('records progress to a terminal status', () => given(started('1.2.3')).when(report('1.2.3', 'failed')).thenEmits(event('failed', '1.2.3', 'd-a')));

    it('moves pending to started', () => given(event('pending', '1.2.3', 'd-a')).when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'd-a')));

    it('treats a repeated start as a no-op', () => given(started('1.2.3')).when(report('1.2.3', 'started')).thenNothing());

    it('ignores a pending that arrives after the start', () => given(started('1.2.3')).when(report('1.2.3', 'pending')).thenNothing());

    it('supersedes the in-flight version when another one starts', () =>
      given(started('1.2.3'))
        .when(report('1.2.4', 'started'))
        .thenEmits({ type: 'deployment.aborted', data: { ...facts('1.2.3', 'd-a'), reason: 'superseded' } }, started('1.2.4', 'dep-1')));
  });

  describe('after a deployment finished', () => {
    it('treats a repeated terminal status as a duplicate', () => given(started('1.2.3'), completed('1.2.3')).when(report('1.2.3', 'completed')).thenNothing());

    it('refuses a different terminal status, naming the current one', () =>
      given(started('1.2.3'), completed('1.2.3')).when(report('1.2.3', 'failed')).thenFails(TerminalStatusConflict, /already ended as "completed"/));

    it('opens a new deployment when the finished version starts again (a redeploy)', () =>
      given(started('1.2.3'), completed('1.2.3')).when(report('1.2.3', 'started')).thenEmits(started('1.2.3', 'dep-1')));
  });
});

describe('lane state', () => {
  it('knows which deployment a version refers to: the open one first, else the latest finished one', () => {
    const lane = [started('1.0.0', 'd-1'), completed('1.0.0', 'd-1'), started('1.0.0', 'd-2')].reduce(evolveLane, initialLaneState);
    expect(deploymentOfVersion(lane, '1.0.0')).toBe('d-2');
    expect(deploymentOfVersion([started('1.0.0', 'd-1'), completed('1.0.0', 'd-1')].reduce(evolveLane, initialLaneState), '1.0.0')).toBe('d-1');
    expect(deploymentOfVersion(lane, '9.9.9')).toBeNull();
  });
});
