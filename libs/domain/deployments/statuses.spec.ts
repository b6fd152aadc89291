import { DEPLOYMENT_STATUS_ALIASES, BUILD_STATUS_ALIASES, parseBuildStatus, parseDeploymentStatus, UnknownStatus, CANONICAL_STATUSES } from './statuses';

describe('status aliases', () => {
  it.each(CANONICAL_STATUSES.flatMap((canonical) => DEPLOYMENT_STATUS_ALIASES[canonical].map((alias) => [alias, canonical])))(
    'maps the deployment status "%s" to %s',
    (alias, canonical) => expect(parseDeploymentStatus(alias)).toBe(canonical),
  );

  it.each(CANONICAL_STATUSES.flatMap((canonical) => BUILD_STATUS_ALIASES[canonical].map((alias) => [alias, canonical])))(
    'maps the build status "%s" to %s',
    (alias, canonical) => expect(parseBuildStatus(alias)).toBe(canonical),
  );

  it('ignores case and surrounding whitespace', () => {
    expect(parseDeploymentStatus('  SUCCESS ')).toBe('completed');
    expect(parseDeploymentStatus('In_Progress')).toBe('started');
  });

  it('keeps the build and deployment vocabularies apart', () => {
    expect(() => parseDeploymentStatus('built')).toThrow(UnknownStatus);
    expect(() => parseBuildStatus('deploying')).toThrow(UnknownStatus);
  });

  it('rejects an unknown status listing every accepted value', () => {
    try {
      parseDeploymentStatus('shipped');
      throw new Error('expected UnknownStatus');
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownStatus);
      const { errors } = error as UnknownStatus;
      expect(errors[0]).toMatchObject({ field: 'status' });
      expect(errors[0]!.accepted).toEqual(expect.arrayContaining(['pending', 'deploying', 'success', 'error', 'skipped']));
      expect(errors[0]!.accepted).toHaveLength(21);
    }
  });
});
