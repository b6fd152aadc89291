import { RELEASE_EVENT_TYPES } from '../releases/release';
import { ACCESS_EVENT_TYPES } from '../access/token.events';
import { ARTIFACT_EVENT_TYPES } from '../artifacts/artifacts';
import { BUILD_EVENT_TYPES } from '../builds/build.events';
import { CATALOG_EVENT_TYPES } from '../catalog/catalog';
import { LANE_EVENT_TYPES } from '../deployments/lane.events';
import { VARIABLE_EVENT_TYPES } from '../environments/variables';
import { GITOPS_EVENT_TYPES } from '../gitops/gitops';
import { STRATEGY_EVENT_TYPES } from '../strategies/strategy.events';
import { TIMER_EVENT_TYPES } from '../timers/timers';
import { DomainError } from './domain-error';

/** Every event type Shiplog records. */
export const KNOWN_EVENT_TYPES: readonly string[] = [
  ...LANE_EVENT_TYPES,
  ...STRATEGY_EVENT_TYPES,
  ...BUILD_EVENT_TYPES,
  ...ARTIFACT_EVENT_TYPES,
  ...CATALOG_EVENT_TYPES,
  'environment.updated',
  'environment.locked',
  'environment.unlocked',
  'environment.config_versioned',
  'environment.health_changed',
  ...VARIABLE_EVENT_TYPES,
  ...ACCESS_EVENT_TYPES,
  ...TIMER_EVENT_TYPES,
  ...RELEASE_EVENT_TYPES,
  ...GITOPS_EVENT_TYPES,
  'webhook.subscription_added',
  'webhook.subscription_removed',
  'notification.preference_added',
  'notification.preference_removed',
];

/** A subscription pattern: an exact type, `prefix.*`, or `*`. */
export const matchesEventType = (pattern: string, type: string): boolean =>
  pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1)));

export class UnknownEventType extends DomainError {
  readonly code = 'unknown-event-type';
  constructor(field: string, pattern: string, accepted: readonly string[]) {
    super(`"${pattern}" matches no event type; use one of: ${accepted.join(', ')}`, [{ field, message: `unknown event type "${pattern}"`, accepted }]);
  }
}

/** Patterns subscribers may use: the given types (exact), their `prefix.*` groups, and `*`. */
export const acceptedPatterns = (types: readonly string[]): string[] => ['*', ...new Set(types.map((t) => `${t.split('.')[0]}.*`)), ...types];

export const assertKnownPatterns = (field: string, patterns: readonly string[], types: readonly string[]): void => {
  for (const pattern of patterns) if (!types.some((type) => matchesEventType(pattern, type))) throw new UnknownEventType(field, pattern, acceptedPatterns(types));
};
