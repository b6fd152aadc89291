import { assertNever } from '../shared/assert-never';
import type { LaneCommand, ReportDeploymentStatus } from './lane.commands';
import { TerminalStatusConflict } from './lane.errors';
import type { DeploymentFacts, LaneEvent } from './lane.events';
import { isTerminal, type CanonicalStatus, type OpenStatus, type TerminalStatus } from './statuses';

type OpenDeployment = { id: string; version: string; status: OpenStatus; facts: DeploymentFacts };
type FinishedDeployment = { id: string; version: string; status: TerminalStatus };

export type LaneState = {
  readonly inFlight: OpenDeployment | null;
  readonly finished: readonly FinishedDeployment[];
};

export const initialLaneState: LaneState = { inFlight: null, finished: [] };

export type DecideContext = { now: Date; newDeploymentId: () => string };

const RANK: Record<CanonicalStatus, number> = { pending: 0, started: 1, completed: 2, failed: 2, aborted: 2 };

const factsOf = (report: ReportDeploymentStatus['data'], id: string, at: string): DeploymentFacts => {
  const { status: _status, occurred_at: _at, ...facts } = report;
  return { deployment_id: id, ...facts, occurred_at: at };
};

const lifecycle = (status: CanonicalStatus, facts: DeploymentFacts): LaneEvent => ({ type: `deployment.${status}`, data: facts });

const superseded = (open: OpenDeployment, at: string): LaneEvent => ({
  type: 'deployment.aborted',
  data: { ...open.facts, occurred_at: at, reason: 'superseded' },
});

const reportStatus = (report: ReportDeploymentStatus['data'], lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  const at = report.occurred_at ?? ctx.now.toISOString();
  const open = lane.inFlight?.version === report.version ? lane.inFlight : null;
  if (open) {
    // Moving forward records the step; repeating or going back (started after started) is a no-op.
    return RANK[report.status] > RANK[open.status] ? [lifecycle(report.status, factsOf(report, open.id, at))] : [];
  }
  const done = lane.finished.findLast((d) => d.version === report.version);
  if (done && isTerminal(report.status)) {
    if (done.status === report.status) return [];
    throw new TerminalStatusConflict(report.version, done.status, report.status);
  }
  // A new attempt: a redeploy of a finished version, or a version seen for the first time.
  // Completed/failed without a prior start is accepted as an implicit start (CI often reports only the end).
  const facts = factsOf(report, ctx.newDeploymentId(), at);
  return [
    ...(lane.inFlight ? [superseded(lane.inFlight, at)] : []),
    lifecycle(report.status === 'pending' ? 'pending' : 'started', facts),
    ...(isTerminal(report.status) ? [lifecycle(report.status, facts)] : []),
  ];
};

export const decideLane = (command: LaneCommand, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  switch (command.type) {
    case 'ReportDeploymentStatus':
      return reportStatus(command.data, lane, ctx);
    default:
      return assertNever(command.type);
  }
};

const finish = (lane: LaneState, { deployment_id, version }: DeploymentFacts, status: TerminalStatus): LaneState => ({
  inFlight: lane.inFlight?.id === deployment_id ? null : lane.inFlight,
  finished: [...lane.finished, { id: deployment_id, version, status }],
});

export const evolveLane = (lane: LaneState, event: LaneEvent): LaneState => {
  switch (event.type) {
    case 'deployment.pending':
    case 'deployment.started': {
      const { data } = event;
      const status = event.type === 'deployment.pending' ? 'pending' : 'started';
      return { ...lane, inFlight: { id: data.deployment_id, version: data.version, status, facts: data } };
    }
    case 'deployment.completed':
      return finish(lane, event.data, 'completed');
    case 'deployment.failed':
      return finish(lane, event.data, 'failed');
    case 'deployment.aborted':
      return finish(lane, event.data, 'aborted');
    default:
      return assertNever(event);
  }
};

/** The deployment a report of `version` refers to: the open one, else the latest finished one. */
export const deploymentOfVersion = (lane: LaneState, version: string): string | null =>
  lane.inFlight?.version === version ? lane.inFlight.id : (lane.finished.findLast((d) => d.version === version)?.id ?? null);
