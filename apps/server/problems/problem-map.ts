import type { DomainErrorCode } from '../../../libs/domain/shared/domain-error';

/** Problems the HTTP layer raises itself, besides the domain's rule violations. */
export type HttpProblemCode =
  | 'no-strategy-run'
  | 'strategy-step-mismatch'
  | 'missing-credentials'
  | 'malformed-credentials'
  | 'unknown-token'
  | 'revoked-token'
  | 'expired-token'
  | 'forbidden-role'
  | 'out-of-scope'
  | 'rate-limited'
  | 'invalid-slack-signature'
  | 'validation-failed'
  | 'malformed-json'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'not-found'
  | 'method-not-allowed'
  | 'concurrency-conflict'
  | 'conflict'
  | 'service-unavailable'
  | 'internal-error';

export type ProblemCode = DomainErrorCode | HttpProblemCode;

/** The one table from problem codes to HTTP statuses: an unmapped code does not compile. */
export const PROBLEM_MAP: Record<ProblemCode, { status: number; title: string }> = {
  'unknown-status': { status: 400, title: 'Unknown status' },
  'invalid-name': { status: 400, title: 'Invalid name' },
  'terminal-status-conflict': { status: 409, title: 'Deployment already finished' },
  'deployment-not-found': { status: 404, title: 'Deployment not found' },
  'deployment-mismatch': { status: 409, title: 'Deployment is for another version' },
  'version-sha-conflict': { status: 409, title: 'Version already bound to another commit' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused for a different request' },
  'token-not-found': { status: 404, title: 'Token not found' },
  'invalid-expiry': { status: 400, title: 'Invalid expiry' },
  'variable-not-found': { status: 404, title: 'Variable not found' },
  'invalid-variable-name': { status: 400, title: 'Invalid variable name' },
  'lane-pinned': { status: 409, title: 'Lane pinned after a rollback' },
  'deployment-in-flight': { status: 409, title: 'Another deployment is in flight' },
  'unknown-version': { status: 409, title: 'Unknown version' },
  'reason-required': { status: 400, title: 'Reason required' },
  'no-rollback-target': { status: 409, title: 'Nothing to roll back to' },
  'deployment-finished': { status: 409, title: 'Deployment already finished' },
  'not-awaiting-approval': { status: 409, title: 'Not awaiting approval' },
  'self-approval': { status: 403, title: 'Requester cannot approve' },
  'not-pinned': { status: 409, title: 'Lane not pinned' },
  'invalid-settings': { status: 400, title: 'Invalid environment settings' },
  'nothing-to-promote': { status: 409, title: 'Nothing to promote' },
  'unknown-event-type': { status: 400, title: 'Unknown event type' },
  'webhook-not-found': { status: 404, title: 'Webhook not found' },
  'preference-not-found': { status: 404, title: 'Notification preference not found' },
  'invalid-window': { status: 400, title: 'Invalid time window' },
  'not-locked': { status: 409, title: 'Environment not locked' },
  'environment-locked': { status: 423, title: 'Environment locked' },
  'policy-blocked': { status: 409, title: 'Blocked by policy' },
  'config-version-not-found': { status: 404, title: 'Configuration version not found' },
  'config-invalid': { status: 400, title: 'Configuration does not match the environment schema' },
  'invalid-strategy': { status: 400, title: 'Invalid deployment strategy' },
  'no-strategy-run': { status: 409, title: 'No strategy run' },
  'gitops-source-not-found': { status: 404, title: 'GitOps source not found' },
  'invalid-gitops-source': { status: 400, title: 'Invalid GitOps source' },
  'invalid-manifest': { status: 422, title: 'Invalid manifest in the repository' },
  'repository-unreadable': { status: 422, title: 'Repository cannot be read' },
  'strategy-step-mismatch': { status: 409, title: 'Not the step in flight' },
  'artifact-too-large': { status: 413, title: 'Artifact too large' },
  'release-not-found': { status: 404, title: 'Release not found' },
  'release-conflict': { status: 409, title: 'Release conflict' },
  'artifact-not-found': { status: 404, title: 'Artifact not found' },
  'missing-credentials': { status: 401, title: 'Authentication required' },
  'malformed-credentials': { status: 401, title: 'Malformed credentials' },
  'unknown-token': { status: 401, title: 'Unknown token' },
  'revoked-token': { status: 401, title: 'Revoked token' },
  'expired-token': { status: 401, title: 'Expired token' },
  'forbidden-role': { status: 403, title: 'Role not allowed' },
  'out-of-scope': { status: 403, title: 'Outside the token scope' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'invalid-slack-signature': { status: 401, title: 'Invalid Slack signature' },
  'validation-failed': { status: 400, title: 'Invalid request' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'concurrency-conflict': { status: 409, title: 'Concurrent update, retry the request' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
  'internal-error': { status: 500, title: 'Internal error' },
};
