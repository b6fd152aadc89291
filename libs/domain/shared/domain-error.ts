/** One entry per offending input; `accepted` lists the values that would have been valid. */
export type FieldError = { field: string; message: string; accepted?: readonly string[] };

/**
 * Every rule a command can break has a stable code. The HTTP layer maps codes to statuses in one table
 * (apps/server/problems/problem-map.ts), so adding a code without mapping it fails the type check.
 */
export type DomainErrorCode =
  | 'unknown-status'
  | 'invalid-name'
  | 'terminal-status-conflict'
  | 'deployment-not-found'
  | 'deployment-mismatch'
  | 'version-sha-conflict'
  | 'idempotency-key-reused'
  | 'token-not-found'
  | 'invalid-expiry'
  | 'variable-not-found'
  | 'invalid-variable-name'
  | 'lane-pinned'
  | 'deployment-in-flight'
  | 'unknown-version'
  | 'reason-required'
  | 'no-rollback-target'
  | 'deployment-finished'
  | 'not-awaiting-approval'
  | 'self-approval'
  | 'not-pinned'
  | 'invalid-settings'
  | 'nothing-to-promote'
  | 'unknown-event-type'
  | 'webhook-not-found'
  | 'preference-not-found'
  | 'invalid-window'
  | 'not-locked'
  | 'environment-locked'
  | 'policy-blocked'
  | 'config-version-not-found'
  | 'config-invalid'
  | 'invalid-strategy'
  | 'artifact-too-large'
  | 'artifact-not-found'
  | 'release-not-found'
  | 'release-conflict'
  | 'gitops-source-not-found'
  | 'invalid-gitops-source'
  | 'invalid-manifest'
  | 'repository-unreadable';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  constructor(
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** A client reused an idempotency key (Idempotency-Key header or event_id) for a request with a different body. */
export class IdempotencyKeyReused extends DomainError {
  readonly code = 'idempotency-key-reused';
  constructor(key: string) {
    super(`The idempotency key "${key}" was already used for a different request; use a new key for a new event.`, [
      { field: 'Idempotency-Key', message: 'already used for a different request body' },
    ]);
  }
}
