import { canonicalEqual } from '../shared/canonical';
import { DomainError } from '../shared/domain-error';
import type { DomainEvent } from '../shared/event';

/** Every configuration of an environment is an immutable, numbered version (seed 002 §3). */
export type ConfigVersioned = DomainEvent<
  'environment.config_versioned',
  { environment: string; version: number; config: Record<string, unknown>; restored_from?: number; versioned_at: string }
>;

export type VersionConfig = { type: 'VersionConfig'; data: { environment: string; config: Record<string, unknown>; restored_from?: number } };

export type ConfigState = { readonly latest: { version: number; config: Record<string, unknown> } | null };

export class ConfigVersionNotFound extends DomainError {
  readonly code = 'config-version-not-found';
  constructor(environment: string, version: number) {
    super(`${environment} has no configuration version ${version}.`, [{ field: 'version', message: 'unknown version' }]);
  }
}

/** A new version unless the configuration equals the latest one (then nothing changes). */
export const decideConfig = ({ data }: VersionConfig, state: ConfigState, now: Date): ConfigVersioned[] => {
  if (state.latest && canonicalEqual(state.latest.config, data.config)) return [];
  return [{ type: 'environment.config_versioned', data: { ...data, version: (state.latest?.version ?? 0) + 1, versioned_at: now.toISOString() } }];
};

export type ConfigChange = { path: string; change: 'added' | 'removed' | 'changed'; from?: unknown; to?: unknown };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Differences between two configurations, by JSON path (`resources.cpu`); arrays compare as values. */
export const diffConfig = (from: unknown, to: unknown, path = ''): ConfigChange[] => {
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!(key in to)) return [{ path: at, change: 'removed' as const, from: from[key] }];
      if (!(key in from)) return [{ path: at, change: 'added' as const, to: to[key] }];
      return diffConfig(from[key], to[key], at);
    });
  }
  return canonicalEqual(from, to) ? [] : [{ path: path || '$', change: 'changed', from, to }];
};
