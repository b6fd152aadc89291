import { assertSameSha } from '../shared/version-sha';
import type { ReportDeploymentStatus } from './lane.commands';
import { DeploymentMismatch, DeploymentNotFound, TerminalStatusConflict } from './lane.errors';
import type { DeploymentFacts, LaneEvent, OpeningFacts } from './lane.events';
import { laneStream } from './lane.events';
import { deploymentFacts, latestAttempt, type Attempt, type LaneState } from './lane.state';
import { isTerminal, type CanonicalStatus, type OpenStatus } from './statuses';

export type DecideContext = {
  now: Date;
  newDeploymentId: () => string;
  /** The commit the version's build recorded, if any (versions are immutable across lanes too). */
  buildSha?: string | null;
};

type Report = ReportDeploymentStatus['data'];

const RANK: Record<CanonicalStatus, number> = { pending: 0, started: 1, completed: 2, failed: 2, aborted: 2 };

const factsOf = (report: Report, id: string, at: string): DeploymentFacts => {
  const { status: _status, occurred_at: _at, deployment_id: _id, ...facts } = report;
  return { deployment_id: id, ...facts, occurred_at: at };
};

const lifecycle = (status: CanonicalStatus, facts: OpeningFacts): LaneEvent => ({ type: `deployment.${status}`, data: facts });

export const superseded = (open: Attempt, at: string): LaneEvent => ({
  type: 'deployment.aborted',
  data: { ...deploymentFacts(open.facts), occurred_at: at, reason: 'superseded' },
});

/**
 * Deploying a version that ran here before (it completed) and was first deployed before the latest deployment's
 * version rolls the lane back — also right after a failed upgrade (1.0 ✓, 1.1 ✗, then 1.0 again).
 */
export const rollbackFacts = (lane: LaneState, version: string): Partial<OpeningFacts> => {
  const latest = latestAttempt(lane);
  if (!latest || latest.version === version || !lane.firstCompleted.has(version)) return {};
  if ((lane.firstSeen.get(version) ?? Infinity) >= (lane.firstSeen.get(latest.version) ?? Infinity)) return {};
  return { is_rollback: true, rollback_of: latest.version, rollback_of_deployment_id: latest.id };
};

/** Progress of an open deployment: forward steps are recorded, repeats and steps back are no-ops. */
const progress = (open: Attempt, report: Report, at: string): LaneEvent[] =>
  RANK[report.status] > RANK[open.status] ? [lifecycle(report.status, factsOf(report, open.id, at))] : [];

/** A report about a deployment that already finished: a duplicate, a conflict, or a late pending/started. */
const afterFinish = (done: Attempt, report: Report, at: string): LaneEvent[] => {
  if (isTerminal(done.status) && isTerminal(report.status)) {
    if (done.status === report.status) return [];
    throw new TerminalStatusConflict('Deployment', done.version, done.status, report.status);
  }
  return [{ type: 'deployment.reported_late', data: { ...factsOf(report, done.id, at), status: report.status as OpenStatus } }];
};

const isLate = (done: Attempt, report: Report): boolean =>
  report.occurred_at !== undefined && done.finishedAt !== null && report.occurred_at < done.finishedAt;

/**
 * A terminal report for a finished version is a repeat (a retry) unless it says, with an occurred_at after
 * that deployment finished, that the version was deployed again after other deployments: CI that reports only
 * completions still records rollbacks, while retries (same body) stay duplicates in any order.
 */
const isLaterAttempt = (done: Attempt, lane: LaneState, report: Report): boolean => {
  const latest = lane.inFlight ?? lane.finished.at(-1);
  return done !== latest && report.occurred_at !== undefined && done.finishedAt !== null && report.occurred_at > done.finishedAt;
};

const reportForId = (report: Report & { deployment_id: string }, lane: LaneState, at: string): LaneEvent[] => {
  const attempt = lane.inFlight?.id === report.deployment_id ? lane.inFlight : lane.finished.find((d) => d.id === report.deployment_id);
  if (!attempt) throw new DeploymentNotFound(report.deployment_id, laneStream(report.product, report.environment));
  if (attempt.version !== report.version) throw new DeploymentMismatch(attempt.id, attempt.version, report.version);
  if (attempt === lane.inFlight) return progress(attempt, report, at);
  // A pending/started for a finished deployment named by id can only be a late or repeated report.
  return isTerminal(report.status) || isLate(attempt, report) ? afterFinish(attempt, report, at) : [];
};

/** CI reporting a status (POST /deployment-events/): the rules of DESIGN §4. */
export const reportStatus = (report: Report, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const at = report.occurred_at ?? ctx.now.toISOString();
  assertSameSha(report.product, report.version, lane.shaByVersion.get(report.version) ?? ctx.buildSha, report.scm_sha);
  if (report.deployment_id !== undefined) return reportForId({ ...report, deployment_id: report.deployment_id }, lane, at);

  if (lane.inFlight?.version === report.version) return progress(lane.inFlight, report, at);
  // A version never attempted here has no finished attempt: CI's usual new version skips the scan of the lane's history.
  const done = lane.firstSeen.has(report.version) ? lane.finished.findLast((d) => d.version === report.version) : undefined;
  if (done && (isLate(done, report) || (isTerminal(report.status) && !isLaterAttempt(done, lane, report)))) return afterFinish(done, report, at);

  // A new attempt: a redeploy of a finished version, or a version seen for the first time.
  // Completed/failed without a prior start is accepted as an implicit start (CI often reports only the end).
  const facts: OpeningFacts = {
    ...factsOf(report, ctx.newDeploymentId(), at),
    ...rollbackFacts(lane, report.version),
    ...(lane.pinned && lane.pinned.version !== report.version ? { while_pinned: true as const } : {}),
  };
  return [
    ...(lane.inFlight ? [superseded(lane.inFlight, at)] : []),
    lifecycle(report.status === 'pending' ? 'pending' : 'started', facts),
    ...(isTerminal(report.status) ? [lifecycle(report.status, factsOf(report, facts.deployment_id, at))] : []),
  ];
};
