import type { DomainEvent } from '../shared/event';

export type BuildFacts = {
  build_id: string;
  product: string;
  version: string;
  occurred_at: string;
  built_by?: string;
  scm_sha?: string;
  scm_branch?: string;
  build_url?: string;
  extra_metadata?: Record<string, unknown>;
};

export type BuildPending = DomainEvent<'build.pending', BuildFacts>;
export type BuildStarted = DomainEvent<'build.started', BuildFacts>;
export type BuildCompleted = DomainEvent<'build.completed', BuildFacts>;
export type BuildFailed = DomainEvent<'build.failed', BuildFacts>;
export type BuildAborted = DomainEvent<'build.aborted', BuildFacts>;

export type BuildEvent = BuildPending | BuildStarted | BuildCompleted | BuildFailed | BuildAborted;

export const BUILD_EVENT_TYPES: readonly BuildEvent['type'][] = ['build.pending', 'build.started', 'build.completed', 'build.failed', 'build.aborted'];

/** One stream per product version: its builds, and the commit the version is bound to. */
export const buildStream = (product: string, version: string): string => `build-${product}@${version}`;
