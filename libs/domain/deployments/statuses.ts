import { DomainError } from '../shared/domain-error';

export const CANONICAL_STATUSES = ['pending', 'started', 'completed', 'failed', 'aborted'] as const;
export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];
export type TerminalStatus = Extract<CanonicalStatus, 'completed' | 'failed' | 'aborted'>;
export type OpenStatus = Exclude<CanonicalStatus, TerminalStatus>;

type AliasTable = Readonly<Record<CanonicalStatus, readonly string[]>>;

/** Versioner's alias tables (seed 001, DESIGN §4): deployments and builds differ only in the "started" and "completed" words. */
export const DEPLOYMENT_STATUS_ALIASES: AliasTable = {
  pending: ['pending', 'queued', 'scheduled'],
  started: ['started', 'in_progress', 'init', 'deploying'],
  completed: ['success', 'completed', 'complete', 'finished', 'deployed'],
  failed: ['failed', 'fail', 'failure', 'error'],
  aborted: ['aborted', 'abort', 'cancelled', 'cancel', 'skipped'],
};

export const BUILD_STATUS_ALIASES: AliasTable = {
  ...DEPLOYMENT_STATUS_ALIASES,
  started: ['started', 'in_progress', 'init', 'building'],
  completed: ['success', 'completed', 'complete', 'finished', 'built'],
};

export const acceptedStatuses = (table: AliasTable): readonly string[] => CANONICAL_STATUSES.flatMap((s) => table[s]);

export class UnknownStatus extends DomainError {
  readonly code = 'unknown-status';
  constructor(field: string, value: string, accepted: readonly string[]) {
    super(`"${value}" is not a known status; use one of: ${accepted.join(', ')}`, [
      { field, message: `unknown status "${value}"`, accepted },
    ]);
  }
}

const lookup = (table: AliasTable): ReadonlyMap<string, CanonicalStatus> =>
  new Map(CANONICAL_STATUSES.flatMap((canonical) => table[canonical].map((alias) => [alias, canonical] as const)));

const parserFor = (table: AliasTable) => {
  const byAlias = lookup(table);
  const accepted = acceptedStatuses(table);
  return (raw: string, field = 'status'): CanonicalStatus => {
    const canonical = byAlias.get(raw.trim().toLowerCase());
    if (!canonical) throw new UnknownStatus(field, raw, accepted);
    return canonical;
  };
};

/** Case-insensitive, surrounding whitespace ignored; an unknown word is an error listing every accepted one. */
export const parseDeploymentStatus = parserFor(DEPLOYMENT_STATUS_ALIASES);
export const parseBuildStatus = parserFor(BUILD_STATUS_ALIASES);

export const isTerminal = (status: CanonicalStatus): status is TerminalStatus =>
  status === 'completed' || status === 'failed' || status === 'aborted';
