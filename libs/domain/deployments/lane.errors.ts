import { DomainError } from '../shared/domain-error';
import type { TerminalStatus } from './statuses';

export class TerminalStatusConflict extends DomainError {
  readonly code = 'terminal-status-conflict';
  constructor(
    readonly version: string,
    readonly current: TerminalStatus,
    requested: TerminalStatus,
  ) {
    super(
      `Deployment of version ${version} already ended as "${current}"; a finished deployment cannot become "${requested}". ` +
        `Report "started" or "pending" to deploy the version again.`,
      [{ field: 'status', message: `deployment is already ${current}` }],
    );
  }
}
