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
