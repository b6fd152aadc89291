import { assertNever } from '../shared/assert-never';
import { DomainError, type FieldError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import { NAME_PATTERN, NAME_RULE } from '../shared/names';
import type { Change } from './manifests';

/** Seed 004 GitOpsSynchronizer defaults (`branch` "main", `path` "/"); the interval is Shiplog's (Argo CD polls every 3 minutes). */
export const GITOPS_DEFAULTS = { branch: 'main', path: '/', interval_seconds: 180 } as const;
const MIN_INTERVAL = 1;
const MAX_INTERVAL = 86_400;

/** HTTPS credentials: the password (a token) is a secret variable of an environment, never stored with the source. */
export type GitCredentials = { environment: string; variable: string; username: string };

export type GitOpsSource = {
  source_id: string;
  repo_url: string;
  branch: string;
  path: string;
  interval_seconds: number;
  credentials: GitCredentials | null;
  added_by: string;
  added_at: string;
};

export type SyncTrigger = 'manual' | 'watch';
/** A change a sync acted on: the deployment it requested, or why the request was refused. */
export type AppliedChange = Change & { deployment_id: string | null; error: string | null };

export type SourceAdded = DomainEvent<'gitops.source_added', GitOpsSource>;
export type SourceRemoved = DomainEvent<'gitops.source_removed', { source_id: string; removed_by: string; removed_at: string }>;
/** `changes`: what the sync requested (and refusals); `drift`: pinned and in-flight lanes it left alone. */
export type Synced = DomainEvent<'gitops.synced', { source_id: string; commit: string; trigger: SyncTrigger; changes: AppliedChange[]; drift: Change[]; synced_at: string }>;
/** The repository could not be read or its manifests are invalid: nothing was deployed. */
export type SyncFailed = DomainEvent<'gitops.sync_failed', { source_id: string; commit: string | null; trigger: SyncTrigger; errors: FieldError[]; failed_at: string }>;
export type GitOpsEvent = SourceAdded | SourceRemoved | Synced | SyncFailed;

export const GITOPS_EVENT_TYPES: readonly GitOpsEvent['type'][] = ['gitops.source_added', 'gitops.source_removed', 'gitops.synced', 'gitops.sync_failed'];
export const gitopsStream = (sourceId: string): string => `gitops-${sourceId}`;

export type AddSource = { type: 'AddSource'; data: GitOpsSource };
export type RemoveSource = { type: 'RemoveSource'; data: { source_id: string; removed_by: string } };
export type RecordSync = { type: 'RecordSync'; data: Omit<Synced['data'], 'synced_at'> };
export type RecordSyncFailure = { type: 'RecordSyncFailure'; data: Omit<SyncFailed['data'], 'failed_at'> };
export type GitOpsCommand = AddSource | RemoveSource | RecordSync | RecordSyncFailure;

/** `last_commit`: the commit last synced or found invalid; the watcher syncs again only when the branch moves past it. */
/** `unsettled`: the last sync left lanes behind (in flight then, or a deploy refused): the watcher syncs the same commit again. */
export type GitOpsState = {
  readonly source: GitOpsSource | null;
  readonly removed: boolean;
  readonly last_commit: string | null;
  readonly last_outcome: 'synced' | 'failed' | null;
  readonly last_at: string | null;
  readonly unsettled: boolean;
};
export const initialGitOpsState: GitOpsState = { source: null, removed: false, last_commit: null, last_outcome: null, last_at: null, unsettled: false };

export class GitOpsSourceNotFound extends DomainError {
  readonly code = 'gitops-source-not-found';
  constructor(sourceId: string) {
    super(`No GitOps source with id ${sourceId}`, [{ field: 'id', message: 'unknown GitOps source' }]);
  }
}

export class InvalidGitOpsSource extends DomainError {
  readonly code = 'invalid-gitops-source';
  constructor(errors: FieldError[]) {
    super(`Invalid GitOps source: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
  }
}

export class RepositoryUnreadable extends DomainError {
  readonly code = 'repository-unreadable';
  constructor(repoUrl: string, reason: string) {
    super(`Cannot read the repository: ${reason}`, [{ field: 'repo_url', message: reason, accepted: [`a reachable git repository (${repoUrl})`] }]);
  }
}

const REPO_URLS = ['file:///path/to/repo', 'https://host/org/repo.git'];
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

/** Branch names git accepts (a conservative subset: no `..`, no leading `-`, no spaces or control characters). */
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

export type SourceInput = { repo_url: unknown; branch?: unknown; path?: unknown; interval?: unknown; credentials?: unknown };

/** Checks what an operator asked to watch, filling in the defaults; every bad field is named with what it accepts. */
export const parseSource = (input: SourceInput): { ok: true; source: Omit<GitOpsSource, 'source_id' | 'added_by' | 'added_at'> } | { ok: false; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const { repo_url: url, branch = GITOPS_DEFAULTS.branch, path = GITOPS_DEFAULTS.path, interval = GITOPS_DEFAULTS.interval_seconds, credentials } = input;
  const scheme = typeof url === 'string' ? /^(file|https?):\/\/./.exec(url)?.[1] : undefined;
  if (typeof url !== 'string' || !scheme) errors.push({ field: 'repo_url', message: typeof url === 'string' ? `"${url}" is not a file:// or https:// URL` : 'required', accepted: REPO_URLS });
  // A token in the URL would be stored in the event, listed to viewers and printed in errors: it goes in `credentials`.
  else if (scheme !== 'file' && /^[a-z]+:\/\/[^/@]*@/i.test(url)) errors.push({ field: 'repo_url', message: 'must not contain a user name or token', accepted: ['https://host/org/repo.git with credentials: {environment, variable}'] });
  if (typeof branch !== 'string' || !BRANCH.test(branch)) errors.push({ field: 'branch', message: 'is not a valid branch name', accepted: ['a git branch name such as main or release/2026'] });
  const cleanPath = typeof path === 'string' && path.startsWith('/') && !path.split('/').includes('..') ? path : null;
  if (cleanPath === null) errors.push({ field: 'path', message: 'must be an absolute path inside the repository', accepted: ['/', '/deploy', '/envs/production'] });
  const seconds = typeof interval === 'number' && Number.isFinite(interval) && interval >= MIN_INTERVAL && interval <= MAX_INTERVAL ? interval : null;
  if (seconds === null) errors.push({ field: 'interval', message: `must be a number of seconds from ${MIN_INTERVAL} to ${MAX_INTERVAL}`, accepted: [`${MIN_INTERVAL}–${MAX_INTERVAL}`] });
  const parsedCredentials = parseCredentials(credentials, errors);
  if (parsedCredentials && scheme === 'file') errors.push({ field: 'credentials', message: 'only https:// sources take credentials' });
  // A token must not cross the network in clear text; plain http is for a mirror on this host.
  if (parsedCredentials && scheme === 'http' && !LOOPBACK.test(url as string)) errors.push({ field: 'credentials', message: 'credentials go over https:// only (http:// only to localhost)', accepted: REPO_URLS });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, source: { repo_url: url as string, branch: branch as string, path: cleanPath!.replace(/\/+$/, '') || '/', interval_seconds: seconds!, credentials: parsedCredentials } };
};

const parseCredentials = (value: unknown, errors: FieldError[]): GitCredentials | null => {
  if (value === undefined || value === null) return null;
  const shape = ['{"environment": "production", "variable": "GIT_TOKEN", "username": "x-access-token"}'];
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ field: 'credentials', message: 'must be an object naming a secret variable', accepted: shape });
    return null;
  }
  const { environment, variable, username = 'x-access-token', ...rest } = value as Record<string, unknown>;
  for (const key of Object.keys(rest)) errors.push({ field: `credentials.${key}`, message: 'unknown key', accepted: ['environment', 'variable', 'username'] });
  if (typeof environment !== 'string' || !NAME_PATTERN.test(environment)) errors.push({ field: 'credentials.environment', message: 'the environment whose variable holds the token', accepted: [NAME_RULE] });
  if (typeof variable !== 'string' || !/^[A-Z_][A-Z0-9_]{0,127}$/.test(variable)) errors.push({ field: 'credentials.variable', message: 'a variable name', accepted: ['UPPER_CASE_NAME'] });
  if (typeof username !== 'string' || username.length === 0) errors.push({ field: 'credentials.username', message: 'must be a non-empty string', accepted: ['x-access-token', 'git'] });
  return typeof environment === 'string' && typeof variable === 'string' && typeof username === 'string' ? { environment, variable, username } : null;
};

const live = (state: GitOpsState, sourceId: string): GitOpsSource => {
  if (!state.source || state.removed) throw new GitOpsSourceNotFound(sourceId);
  return state.source;
};

export const decideGitOps = (command: GitOpsCommand, state: GitOpsState, now: Date): GitOpsEvent[] => {
  const at = now.toISOString();
  switch (command.type) {
    case 'AddSource':
      return state.source ? [] : [{ type: 'gitops.source_added', data: command.data }];
    case 'RemoveSource':
      live(state, command.data.source_id);
      return [{ type: 'gitops.source_removed', data: { ...command.data, removed_at: at } }];
    case 'RecordSync':
      live(state, command.data.source_id);
      return [{ type: 'gitops.synced', data: { ...command.data, synced_at: at } }];
    case 'RecordSyncFailure':
      live(state, command.data.source_id);
      // The same failure of the same commit again (the watcher retrying) adds nothing.
      return state.last_outcome === 'failed' && state.last_commit === command.data.commit && command.data.trigger === 'watch' ? [] : [{ type: 'gitops.sync_failed', data: { ...command.data, failed_at: at } }];
    default:
      return assertNever(command);
  }
};

export const evolveGitOps = (state: GitOpsState, event: GitOpsEvent): GitOpsState => {
  switch (event.type) {
    case 'gitops.source_added':
      return { ...state, source: event.data };
    case 'gitops.source_removed':
      return { ...state, removed: true };
    case 'gitops.synced':
      return {
        ...state,
        last_commit: event.data.commit,
        last_outcome: 'synced',
        last_at: event.data.synced_at,
        unsettled: event.data.changes.some((c) => c.error !== null) || event.data.drift.some((c) => c.action === 'in_flight'),
      };
    case 'gitops.sync_failed':
      return { ...state, last_commit: event.data.commit ?? state.last_commit, last_outcome: 'failed', last_at: event.data.failed_at, unsettled: false };
    default:
      return assertNever(event);
  }
};
