import type { BuildEvent } from '../../domain/builds/build.events';
import { BUILD_EVENT_TYPES } from '../../domain/builds/build.events';
import type { CanonicalStatus } from '../../domain/deployments/statuses';
import type { Recorded } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';
import { openedLifecycle, transitioned, type LifecycleView } from '../shared/lifecycle-view';

export type BuildView = LifecycleView & { built_by: string | null };

/** The latest build of each product version, for showing a deployment's build. */
export type VersionBuildView = {
  id: string;
  product: string;
  version: string;
  build_id: string;
  status: CanonicalStatus;
  scm_sha: string | null;
  build_url: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
};

export const BUILDS = 'builds';
export const VERSION_BUILDS = 'version_builds';
export const versionId = (product: string, version: string) => `${product}@${version}`;

type BuildRecorded = Recorded<BuildEvent>;

export const buildsProjection = defineProjection<BuildRecorded>({
  name: 'builds',
  version: 1,
  collections: [
    {
      name: BUILDS,
      indexes: [
        ['created_at', 'id'],
        ['product', 'created_at', 'id'],
        ['product', 'version', 'created_at', 'id'],
        ['status', 'created_at', 'id'],
      ],
    },
    { name: VERSION_BUILDS, indexes: [['product']] },
  ],
  handles: BUILD_EVENT_TYPES,
  async apply(tx, event) {
    const { data } = event;
    const existing = await tx.get<BuildView>(BUILDS, data.build_id);
    if (existing && existing.last_position >= event.position) return;
    const base = existing ?? openedLifecycle(data.build_id, data.product, data.version, data.occurred_at, { built_by: null });
    const status = event.type.slice('build.'.length) as CanonicalStatus;
    const view: BuildView = {
      ...transitioned(base, { status, at: data.occurred_at, eventId: event.id, position: event.position, facts: data }),
      built_by: data.built_by ?? base.built_by,
    };
    tx.put(BUILDS, view);
    tx.put(VERSION_BUILDS, {
      id: versionId(view.product, view.version),
      product: view.product,
      version: view.version,
      build_id: view.id,
      status: view.status,
      scm_sha: view.scm_sha,
      build_url: view.build_url,
      finished_at: view.finished_at,
      duration_seconds: view.duration_seconds,
    } satisfies VersionBuildView);
  },
});
