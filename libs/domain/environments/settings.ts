import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';
import type { SealedSecret } from './variables';
import { dailyRange, DEFAULT_POLICIES, localMinuteOfWeek, weeklyRange, type EnvironmentLock, type PolicySettings } from './policies';

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
  policies: PolicySettings;
  /** Set with environment.locked, cleared with environment.unlocked. */
  lock: EnvironmentLock | null;
  /** Seed 002/003 descriptors: what runs it, where it answers, how it is doing. */
  type: string | null;
  url: string | null;
  status: 'healthy' | 'degraded' | 'down' | 'unknown';
  /** JSON Schema new configuration versions must satisfy (null: any object). */
  config_schema: Record<string, unknown> | null;
  /** Polled by the health monitor; also the Verify step after a deployment Shiplog runs. */
  health_check: HealthCheck | null;
};

export type HealthCheck = {
  url: string;
  interval_seconds: number;
  timeout_ms: number;
  expect_status: number;
  /** After a deployment, how long the environment has to answer healthy before the deployment fails. */
  verify_window_seconds: number;
};

export type HealthChanged = DomainEvent<
  'environment.health_changed',
  { environment: string; status: 'healthy' | 'down'; previous: EnvironmentSettings['status']; detail: string; checked_at: string }
>;

/** Recorded only on transitions, so the stream holds changes, not every probe. */
export const decideHealth = (environment: string, current: EnvironmentSettings, observed: { status: 'healthy' | 'down'; detail: string }, now: Date): HealthChanged[] =>
  current.status === observed.status ? [] : [{ type: 'environment.health_changed', data: { environment, status: observed.status, previous: current.status, detail: observed.detail, checked_at: now.toISOString() } }];

const checkPolicies = (policies: PolicySettings): void => {
  policies.freezes.forEach((f, i) => {
    if (Number.isNaN(Date.parse(f.start)) || Number.isNaN(Date.parse(f.end)) || f.start >= f.end) throw new InvalidSettings(`policies.freezes.${i}`, 'start must be an instant before end');
  });
  policies.weekly_freezes.forEach((f, i) => {
    if (!weeklyRange(f.window)) throw new InvalidSettings(`policies.weekly_freezes.${i}.window`, 'expected like "fri 16:00-mon 08:00"');
    localMinuteOfWeek(new Date(0), f.time_zone);
  });
  if (policies.maintenance_window) {
    if (!dailyRange(policies.maintenance_window.window)) throw new InvalidSettings('policies.maintenance_window.window', 'expected like "22:00-23:00"');
    localMinuteOfWeek(new Date(0), policies.maintenance_window.time_zone);
  }
};

export const DEFAULT_SETTINGS: EnvironmentSettings = {
  executor: { type: 'external' },
  auto_rollback: false,
  approval_required: 0,
  promotes_to: null,
  auto_promote: false,
  soak_seconds: 0,
  production: false,
  policies: DEFAULT_POLICIES,
  lock: null,
  type: null,
  url: null,
  status: 'unknown',
  config_schema: null,
  health_check: null,
};

export type EnvironmentUpdated = DomainEvent<'environment.updated', { environment: string; changes: Partial<EnvironmentSettings>; updated_at: string }>;

export type EnvironmentLocked = DomainEvent<'environment.locked', { environment: string } & EnvironmentLock>;
export type EnvironmentUnlocked = DomainEvent<'environment.unlocked', { environment: string; unlocked_by: string; unlocked_at: string }>;

export type UpdateEnvironment = { type: 'UpdateEnvironment'; data: { environment: string; changes: Partial<Omit<EnvironmentSettings, 'lock'>> } };
export type LockEnvironment = { type: 'LockEnvironment'; data: { environment: string; by: string; reason: string; until: string | null } };
export type UnlockEnvironment = { type: 'UnlockEnvironment'; data: { environment: string; by: string } };

export class InvalidSettings extends DomainError {
  readonly code = 'invalid-settings';
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, [{ field, message }]);
  }
}

export class NotLocked extends DomainError {
  readonly code = 'not-locked';
  constructor(environment: string) {
    super(`${environment} is not locked.`, [{ field: 'environment', message: 'not locked' }]);
  }
}

/** A lock records who, why and until when; locking again replaces it. */
export const decideLock = (command: LockEnvironment | UnlockEnvironment, current: EnvironmentSettings, now: Date): (EnvironmentLocked | EnvironmentUnlocked)[] => {
  const at = now.toISOString();
  if (command.type === 'LockEnvironment') {
    if (command.data.until !== null && command.data.until <= at) throw new InvalidSettings('until', 'must be in the future');
    return [{ type: 'environment.locked', data: { ...command.data, locked_at: at } }];
  }
  if (!current.lock) throw new NotLocked(command.data.environment);
  return [{ type: 'environment.unlocked', data: { environment: command.data.environment, unlocked_by: command.data.by, unlocked_at: at } }];
};

/** Meaning checks; types and shapes were checked at the edge. */
export const decideSettings = ({ data }: UpdateEnvironment, current: EnvironmentSettings, now: Date): EnvironmentUpdated[] => {
  const { changes, environment } = data;
  if (changes.promotes_to === environment) throw new InvalidSettings('promotes_to', 'an environment cannot promote to itself');
  if (changes.auto_promote && !(changes.promotes_to ?? current.promotes_to)) throw new InvalidSettings('auto_promote', 'needs promotes_to');
  if (changes.policies) checkPolicies(changes.policies);
  const changed = Object.fromEntries(Object.entries(changes).filter(([key, value]) => JSON.stringify(current[key as keyof EnvironmentSettings]) !== JSON.stringify(value)));
  return Object.keys(changed).length === 0 ? [] : [{ type: 'environment.updated', data: { environment, changes: changed, updated_at: now.toISOString() } }];
};
