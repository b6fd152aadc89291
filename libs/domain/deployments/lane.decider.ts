import { assertNever } from '../shared/assert-never';
import type { LaneCommand, ReportDeploymentStatus } from './lane.commands';
import { approve, cancel, dispatchScheduled, reject, requestDeployment, rollbackLane, unpin } from './lane.control';
import type { LaneEvent } from './lane.events';
import { reportStatus, type DecideContext } from './lane.reports';
import type { LaneState } from './lane.state';

export { evolveLane, initialLaneState, type LaneState } from './lane.state';
export type { DecideContext } from './lane.reports';

/** One decider per lane (product × environment): CI reports (lane.reports) and operator commands (lane.control). */
export const decideLane = (command: LaneCommand, lane: LaneState, ctx: DecideContext): LaneEvent[] => {
  switch (command.type) {
    case 'ReportDeploymentStatus':
      return reportStatus(command.data, lane, ctx);
    case 'RequestDeployment':
      return requestDeployment(command, lane, ctx);
    case 'RollbackLane':
      return rollbackLane(command, lane, ctx);
    case 'ApproveDeployment':
      return approve(command, lane, ctx);
    case 'RejectDeployment':
      return reject(command, lane, ctx);
    case 'CancelDeployment':
      return cancel(command, lane, ctx);
    case 'DispatchDeployment':
      return dispatchScheduled(command, lane, ctx);
    case 'UnpinLane':
      return unpin(command, lane, ctx);
    default:
      return assertNever(command);
  }
};

/** The deployment a report refers to: the one named by id, else the open one of the version, else its latest finished one. */
export const deploymentOfReport = (lane: LaneState, report: Pick<ReportDeploymentStatus['data'], 'version' | 'deployment_id'>): string | null =>
  report.deployment_id ??
  (lane.inFlight?.version === report.version ? lane.inFlight.id : (lane.finished.findLast((d) => d.version === report.version)?.id ?? null));
