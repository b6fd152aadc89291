import { DomainError } from './domain-error';

/** Versions are immutable: once a version is known to be built from one commit, another commit is refused. */
export class VersionShaConflict extends DomainError {
  readonly code = 'version-sha-conflict';
  constructor(product: string, version: string, recorded: string, reported: string) {
    super(
      `Version ${version} of ${product} was recorded with scm_sha ${recorded}; it cannot also be ${reported}. ` +
        'Versions are immutable: publish the new commit under a new version.',
      [{ field: 'scm_sha', message: `version ${version} is already recorded with scm_sha ${recorded}` }],
    );
  }
}

export const assertSameSha = (product: string, version: string, recorded: string | null | undefined, reported: string | undefined): void => {
  if (recorded && reported && recorded !== reported) throw new VersionShaConflict(product, version, recorded, reported);
};
