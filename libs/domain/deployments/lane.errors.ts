import { DomainError } from '../shared/domain-error';
import type { TerminalStatus } from './statuses';

export class TerminalStatusConflict extends DomainError {
  readonly code = 'terminal-status-conflict';
  constructor(
    readonly subject: 'Deployment' | 'Build',
    readonly version: string,
    readonly current: TerminalStatus,
    requested: TerminalStatus,
  ) {
    super(
      `${subject} of version ${version} already ended as "${current}"; a finished ${subject.toLowerCase()} cannot become "${requested}". ` +
        `Report "started" or "pending" to ${subject === 'Deployment' ? 'deploy' : 'build'} the version again.`,
      [{ field: 'status', message: `${subject.toLowerCase()} is already ${current}` }],
    );
  }
}

export class DeploymentNotFound extends DomainError {
  readonly code = 'deployment-not-found';
  constructor(deploymentId: string, lane: string) {
    super(`No deployment ${deploymentId} in ${lane}; deployment_id must be an id Shiplog returned for this product and environment.`, [
      { field: 'deployment_id', message: 'unknown deployment' },
    ]);
  }
}

export class DeploymentMismatch extends DomainError {
  readonly code = 'deployment-mismatch';
  constructor(deploymentId: string, recordedVersion: string, reportedVersion: string) {
    super(`Deployment ${deploymentId} deploys version ${recordedVersion}, not ${reportedVersion}.`, [
      { field: 'version', message: `deployment ${deploymentId} is version ${recordedVersion}` },
    ]);
  }
}

export class LanePinned extends DomainError {
  readonly code = 'lane-pinned';
  constructor(lane: string, version: string) {
    super(`${lane} is pinned to ${version} after a rollback; unpin it (POST /api/v1/lanes/{product}/{environment}/unpin) before deploying or promoting.`, [
      { field: 'environment', message: `lane pinned to ${version}` },
    ]);
  }
}

export class DeploymentInFlight extends DomainError {
  readonly code = 'deployment-in-flight';
  constructor(lane: string, deploymentId: string, version: string) {
    super(`Deployment ${deploymentId} of ${version} is still in flight in ${lane}; cancel it or wait for it to finish.`, [
      { field: 'environment', message: `deployment ${deploymentId} in flight` },
    ]);
  }
}

export class UnknownVersion extends DomainError {
  readonly code = 'unknown-version';
  constructor(version: string) {
    super(`Version ${version} has no completed build and was never deployed; build it first, or pass force: true with a reason.`, [
      { field: 'version', message: 'no completed build or earlier deployment' },
    ]);
  }
}

export class ReasonRequired extends DomainError {
  readonly code = 'reason-required';
  constructor(what: string) {
    super(`${what} needs a reason.`, [{ field: 'reason', message: 'required' }]);
  }
}

export class NoRollbackTarget extends DomainError {
  readonly code = 'no-rollback-target';
  constructor(lane: string, version?: string) {
    super(
      version
        ? `Version ${version} never completed in ${lane}; roll back only to a version that ran there.`
        : `${lane} has no previous successful version to roll back to.`,
      [{ field: 'version', message: version ? 'never completed in this lane' : 'no previous successful version' }],
    );
  }
}

export class DeploymentFinished extends DomainError {
  readonly code = 'deployment-finished';
  constructor(deploymentId: string, status: string) {
    super(`Deployment ${deploymentId} already ended as "${status}".`, [{ field: 'deployment_id', message: `already ${status}` }]);
  }
}

export class NotAwaitingApproval extends DomainError {
  readonly code = 'not-awaiting-approval';
  constructor(deploymentId: string) {
    super(`Deployment ${deploymentId} is not waiting for approval.`, [{ field: 'deployment_id', message: 'not awaiting approval' }]);
  }
}

export class SelfApproval extends DomainError {
  readonly code = 'self-approval';
  constructor() {
    super('The requester of a deployment cannot approve it; another person must.', [{ field: 'Authorization', message: 'requester cannot approve' }]);
  }
}

export class NotPinned extends DomainError {
  readonly code = 'not-pinned';
  constructor(lane: string) {
    super(`${lane} is not pinned.`, [{ field: 'environment', message: 'not pinned' }]);
  }
}

export class NothingToPromote extends DomainError {
  readonly code = 'nothing-to-promote';
  constructor(from: string, version: string | undefined) {
    super(
      version ? `Version ${version} has not completed in ${from}; promote only a version that ran there.` : `Nothing has completed in ${from} yet; there is nothing to promote.`,
      [{ field: version ? 'version' : 'from', message: version ? `not completed in ${from}` : 'no completed version' }],
    );
  }
}
