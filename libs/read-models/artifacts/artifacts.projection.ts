import { ARTIFACT_EVENT_TYPES, type ArtifactEvent } from '../../domain/artifacts/artifacts';
import { assertNever } from '../../domain/shared/assert-never';
import type { Recorded } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';

export type ArtifactView = {
  id: string;
  product: string;
  version: string;
  name: string;
  sha256: string;
  size: number;
  content_type: string;
  stored_at: string;
  stored_by: string;
  deleted_at: string | null;
};

export const ARTIFACTS = 'artifacts';

export const artifactsProjection = defineProjection<Recorded<ArtifactEvent>>({
  name: 'artifacts',
  version: 1,
  collections: [{ name: ARTIFACTS, indexes: [['product', 'version'], ['sha256'], ['deleted_at']] }],
  handles: ARTIFACT_EVENT_TYPES,
  async apply(tx, event) {
    switch (event.type) {
      case 'artifact.stored': {
        const { artifact_id, stored_at, ...rest } = event.data;
        return tx.put(ARTIFACTS, { id: artifact_id, ...rest, stored_at, stored_by: event.metadata.actor.name, deleted_at: null } satisfies ArtifactView);
      }
      case 'artifact.deleted': {
        const current = await tx.get<ArtifactView>(ARTIFACTS, event.data.artifact_id);
        return current ? tx.put(ARTIFACTS, { ...current, deleted_at: event.data.deleted_at }) : undefined;
      }
      default:
        return assertNever(event);
    }
  },
});
