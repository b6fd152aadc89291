import type { DomainEvent } from '../shared/event';

/** Artifacts of a product version live in its build stream (DESIGN §3), content-addressed by SHA-256. */
export type ArtifactStored = DomainEvent<
  'artifact.stored',
  { artifact_id: string; product: string; version: string; name: string; sha256: string; size: number; content_type: string; stored_at: string }
>;
export type ArtifactDeleted = DomainEvent<'artifact.deleted', { artifact_id: string; product: string; version: string; sha256: string; reason: string; deleted_at: string }>;
export type ArtifactEvent = ArtifactStored | ArtifactDeleted;

export const ARTIFACT_EVENT_TYPES: readonly ArtifactEvent['type'][] = ['artifact.stored', 'artifact.deleted'];

export type RetainedArtifact = { artifact_id: string; product: string; version: string; stored_at: string };

/**
 * Retention: per product keep the artifacts of the newest `keepVersions` versions (by first upload) and of any
 * version currently deployed somewhere; the rest may be deleted.
 */
export const artifactsToDelete = (artifacts: readonly RetainedArtifact[], keepVersions: number, deployed: ReadonlySet<string>): RetainedArtifact[] => {
  const byProduct = new Map<string, RetainedArtifact[]>();
  for (const a of artifacts) byProduct.set(a.product, [...(byProduct.get(a.product) ?? []), a]);
  return [...byProduct.values()].flatMap((list) => {
    const firstUpload = new Map<string, string>();
    for (const a of list) if (!firstUpload.has(a.version) || a.stored_at < firstUpload.get(a.version)!) firstUpload.set(a.version, a.stored_at);
    const kept = new Set([...firstUpload.entries()].sort((x, y) => y[1].localeCompare(x[1])).slice(0, keepVersions).map(([version]) => version));
    return list.filter((a) => !kept.has(a.version) && !deployed.has(`${a.product}@${a.version}`));
  });
};
