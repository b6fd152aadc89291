import { artifactsToDelete, type RetainedArtifact } from './artifacts';

const a = (id: string, version: string, day: number, product = 'api'): RetainedArtifact => ({ artifact_id: id, product, version, stored_at: `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z` });

describe('artifact retention', () => {
  it('keeps the newest N versions per product and anything deployed, deletes the rest', () => {
    const artifacts = [a('1', '1.0', 1), a('2', '1.0', 1), a('3', '1.1', 2), a('4', '1.2', 3), a('5', '1.3', 4), a('6', '0.9', 5, 'web')];
    expect(artifactsToDelete(artifacts, 2, new Set()).map((x) => x.artifact_id)).toEqual(['1', '2', '3']);
    expect(artifactsToDelete(artifacts, 2, new Set(['api@1.0'])).map((x) => x.artifact_id)).toEqual(['3']);
    expect(artifactsToDelete(artifacts, 10, new Set())).toEqual([]);
  });
});
