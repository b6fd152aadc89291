import { sequentialIds } from '../../testing/clock';
import { specFor } from '../../testing/given-when-then';
import { TerminalStatusConflict } from '../deployments/lane.errors';
import type { CanonicalStatus } from '../deployments/statuses';
import { VersionShaConflict } from '../shared/version-sha';
import type { ReportBuildStatus } from './build.commands';
import { decideBuild, evolveBuild, initialBuildState } from './build.decider';
import type { BuildEvent } from './build.events';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor({ decide: decideBuild, evolve: evolveBuild, initialState: initialBuildState }, () => {
  const ids = sequentialIds('b');
  return { now: new Date(NOW), newBuildId: () => ids.next() };
});

const report = (status: CanonicalStatus, extra: Partial<ReportBuildStatus['data']> = {}): ReportBuildStatus => ({
  type: 'ReportBuildStatus',
  data: { product: 'api', version: '1.2.3', status, ...extra },
});
const build = (status: CanonicalStatus, id = 'b-x', extra: object = {}): BuildEvent =>
  ({ type: `build.${status}`, data: { build_id: id, product: 'api', version: '1.2.3', occurred_at: NOW, ...extra } }) as BuildEvent;

describe('build decider', () => {
  it('opens a build when it starts, with the CI facts', () =>
    given().when(report('started', { built_by: 'github-actions' })).thenEmits(build('started', 'b-1', { built_by: 'github-actions' })));

  it('accepts a completion without a start as an implicit start', () => given().when(report('completed')).thenEmits(build('started', 'b-1'), build('completed', 'b-1')));

  it('records progress of the open build', () => given(build('pending')).when(report('started')).thenEmits(build('started')));

  it('treats repeats as duplicates', () => {
    given(build('started')).when(report('started')).thenNothing();
    given(build('started'), build('completed')).when(report('completed')).thenNothing();
  });

  it('refuses a different terminal status for a finished build', () =>
    given(build('started'), build('failed')).when(report('completed')).thenFails(TerminalStatusConflict, /Build of version 1.2.3 already ended as "failed"/));

  it('opens a new attempt when a finished version builds again', () => given(build('started'), build('failed')).when(report('started')).thenEmits(build('started', 'b-1')));

  it('binds the version to the first commit it was built from', () =>
    given(build('started', 'b-x', { scm_sha: 'aaa' }), build('completed')).when(report('started', { scm_sha: 'bbb' })).thenFails(VersionShaConflict));
});
