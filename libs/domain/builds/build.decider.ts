import { assertNever } from '../shared/assert-never';
import { assertSameSha } from '../shared/version-sha';
import { TerminalStatusConflict } from '../deployments/lane.errors';
import { isTerminal, type CanonicalStatus } from '../deployments/statuses';
import type { BuildCommand, ReportBuildStatus } from './build.commands';
import type { ArtifactEvent } from '../artifacts/artifacts';
import type { BuildEvent, BuildFacts } from './build.events';

type BuildAttempt = { id: string; status: CanonicalStatus };

export type BuildState = {
  readonly open: BuildAttempt | null;
  readonly last: BuildAttempt | null;
  /** The commit this version is bound to, from the first build that named one. */
  readonly sha: string | null;
  /** Some build of this version completed: it may be deployed. */
  readonly completed: boolean;
};

export const initialBuildState: BuildState = { open: null, last: null, sha: null, completed: false };

export type BuildDecideContext = { now: Date; newBuildId: () => string };

const RANK: Record<CanonicalStatus, number> = { pending: 0, started: 1, completed: 2, failed: 2, aborted: 2 };

const factsOf = ({ status: _status, occurred_at: _at, ...facts }: ReportBuildStatus['data'], id: string, at: string): BuildFacts => ({
  build_id: id,
  ...facts,
  occurred_at: at,
});

const event = (status: CanonicalStatus, facts: BuildFacts): BuildEvent => ({ type: `build.${status}`, data: facts });

/** Same lifecycle rules as deployments, one version per stream: no supersede, no rollback. */
const reportBuild = (report: ReportBuildStatus['data'], build: BuildState, ctx: BuildDecideContext): BuildEvent[] => {
  const at = report.occurred_at ?? ctx.now.toISOString();
  assertSameSha(report.product, report.version, build.sha, report.scm_sha);
  if (build.open) return RANK[report.status] > RANK[build.open.status] ? [event(report.status, factsOf(report, build.open.id, at))] : [];
  if (build.last && isTerminal(report.status)) {
    if (build.last.status === report.status) return [];
    throw new TerminalStatusConflict('Build', report.version, build.last.status as Exclude<CanonicalStatus, 'pending' | 'started'>, report.status);
  }
  const facts = factsOf(report, ctx.newBuildId(), at);
  return [event(report.status === 'pending' ? 'pending' : 'started', facts), ...(isTerminal(report.status) ? [event(report.status, facts)] : [])];
};

export const decideBuild = (command: BuildCommand, build: BuildState, ctx: BuildDecideContext): BuildEvent[] => {
  switch (command.type) {
    case 'ReportBuildStatus':
      return reportBuild(command.data, build, ctx);
    default:
      return assertNever(command.type);
  }
};

export const evolveBuild = (build: BuildState, event: BuildEvent | ArtifactEvent): BuildState => {
  if (event.type === 'artifact.stored' || event.type === 'artifact.deleted') return build; // artifacts share the stream
  const { type, data } = event;
  const sha = build.sha ?? data.scm_sha ?? null;
  switch (type) {
    case 'build.pending':
    case 'build.started':
      return { ...build, open: { id: data.build_id, status: type === 'build.pending' ? 'pending' : 'started' }, sha };
    case 'build.completed':
    case 'build.failed':
    case 'build.aborted': {
      const finished = { id: data.build_id, status: type.slice('build.'.length) as CanonicalStatus };
      return { open: build.open?.id === data.build_id ? null : build.open, last: finished, sha, completed: build.completed || type === 'build.completed' };
    }
    default:
      return assertNever(type);
  }
};

export const buildOfReport = (build: BuildState): string | null => build.open?.id ?? build.last?.id ?? null;

/** The build stream's state model (initial state + evolve), for loading a build stream. */
export const BUILD_MODEL = { initialState: initialBuildState, evolve: evolveBuild };
