import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import type { SealedSecret } from './variables';

/**
 * How deployments to an environment are carried out:
 * - `external` (default): Shiplog sends a signed webhook and the pipeline reports back through /deployment-events/;
 * - `command`: Shiplog runs an argv command itself (never a shell string built from request input).
 */
export type ExecutorSettings =
  | { type: 'external'; webhook_url?: string; webhook_secret?: SealedSecret }
  | { type: 'command'; command: string[]; timeout_seconds: number };

export type EnvironmentSettings = {
  executor: ExecutorSettings;
  /** A failed deployment rolls the lane back to its previous successful version. */
  auto_rollback: boolean;
  /** Distinct approvers (other than the requester) a deployment request needs. */
  approval_required: number;
  /** The environment a version completed here is promoted to. */
  promotes_to: string | null;
  auto_promote: boolean;
  /** How long a completed version must run here without failure before it is auto-promoted. */
  soak_seconds: number;
  /** Counts for DORA metrics (lead time, change failure rate). */
  production: boolean;
};

export const DEFAULT_SETTINGS: EnvironmentSettings = {
  executor: { type: 'external' },
  auto_rollback: false,
  approval_required: 0,
  promotes_to: null,
  auto_promote: false,
  soak_seconds: 0,
  production: false,
};

export type EnvironmentUpdated = DomainEvent<'environment.updated', { environment: string; changes: Partial<EnvironmentSettings>; updated_at: string }>;

export type UpdateEnvironment = { type: 'UpdateEnvironment'; data: { environment: string; changes: Partial<EnvironmentSettings> } };

export class InvalidSettings extends DomainError {
  readonly code = 'invalid-settings';
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, [{ field, message }]);
  }
}

/** Meaning checks; types and shapes were checked at the edge. */
export const decideSettings = ({ data }: UpdateEnvironment, current: EnvironmentSettings, now: Date): EnvironmentUpdated[] => {
  const { changes, environment } = data;
  if (changes.promotes_to === environment) throw new InvalidSettings('promotes_to', 'an environment cannot promote to itself');
  if (changes.auto_promote && !(changes.promotes_to ?? current.promotes_to)) throw new InvalidSettings('auto_promote', 'needs promotes_to');
  const changed = Object.fromEntries(Object.entries(changes).filter(([key, value]) => JSON.stringify(current[key as keyof EnvironmentSettings]) !== JSON.stringify(value)));
  return Object.keys(changed).length === 0 ? [] : [{ type: 'environment.updated', data: { environment, changes: changed, updated_at: now.toISOString() } }];
};
