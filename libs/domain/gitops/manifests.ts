import { DomainError, type FieldError } from '../shared/domain-error';
import { NAME_PATTERN, NAME_RULE } from '../shared/names';

/**
 * A desired-state manifest, one YAML file in the repository:
 *
 *     environment: production
 *     products:
 *       api: 1.2.3
 *       web: 2.1.0
 */
export type Manifest = { file: string; environment: string; products: Readonly<Record<string, string>> };

/** What the lane runs now, as far as a sync cares. */
export type LaneSnapshot = { current: string | null; pinned: string | null; in_flight: string | null };

/**
 * One difference between the repository and the environment (seed 004 `Change`):
 * - `deploy`: sync requests `desired` in the lane (through the ordinary deploy command and its policies);
 * - `pinned`: a rollback pinned the lane to `current`: reported as drift, never overwritten;
 * - `in_flight`: another deployment is under way in the lane; the next sync looks again.
 */
export type Change = { product: string; environment: string; current: string | null; desired: string; action: 'deploy' | 'pinned' | 'in_flight'; file: string };

const MANIFEST_SHAPE = 'environment: <name>, products: {<product>: <version>, …}';
const VERSION_RULE = 'a version string of 1 to 128 characters';
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks a parsed YAML document; every offending field gets one error prefixed with the file it is in. */
export const validateManifest = (value: unknown, file: string): { ok: true; manifest: Manifest } | { ok: false; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string, accepted?: readonly string[]) => errors.push({ field: `${file}: ${field}`, message, ...(accepted ? { accepted } : {}) });
  if (!isObject(value)) {
    fail('(document)', 'must be a mapping', [MANIFEST_SHAPE]);
    return { ok: false, errors };
  }
  for (const key of Object.keys(value)) if (key !== 'environment' && key !== 'products') fail(key, 'unknown key', ['environment', 'products']);
  const environment = value['environment'];
  if (typeof environment !== 'string' || !NAME_PATTERN.test(environment)) fail('environment', typeof environment === 'string' ? `"${environment}" is not a valid name` : 'required', [NAME_RULE]);
  const products = value['products'];
  const desired: Record<string, string> = {};
  if (!isObject(products)) fail('products', products === undefined ? 'required' : 'must be a mapping of product to version', [MANIFEST_SHAPE]);
  else {
    for (const [product, version] of Object.entries(products)) {
      if (!NAME_PATTERN.test(product)) fail(`products.${product}`, `"${product}" is not a valid product name`, [NAME_RULE]);
      // YAML reads 1.10 as a number: only strings keep a version exactly as written.
      else if (typeof version !== 'string' || version.length === 0 || version.length > 128)
        fail(`products.${product}`, typeof version === 'number' ? `${version} is a number; quote the version ("${version}")` : 'must be a version string', [VERSION_RULE]);
      else desired[product] = version;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, manifest: { file, environment: environment as string, products: desired } };
};

/** The same product and environment declared twice is ambiguous: both places are named. */
export const duplicateDeclarations = (manifests: readonly Manifest[]): FieldError[] => {
  const seen = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const manifest of manifests) {
    for (const product of Object.keys(manifest.products)) {
      const key = `${product}@${manifest.environment}`;
      const first = seen.get(key);
      if (first) errors.push({ field: `${manifest.file}: products.${product}`, message: `${product} in ${manifest.environment} is also declared in ${first}`, accepted: ['one declaration per product and environment'] });
      else seen.set(key, manifest.file);
    }
  }
  return errors;
};

/** The changes that bring the environments to the manifests, in manifest order; lanes already there are left out. */
export const planChanges = (manifests: readonly Manifest[], laneOf: (product: string, environment: string) => LaneSnapshot): Change[] =>
  manifests.flatMap((manifest) =>
    Object.entries(manifest.products).flatMap(([product, desired]): Change[] => {
      const lane = laneOf(product, manifest.environment);
      if (lane.current === desired && lane.in_flight === null) return [];
      const base = { product, environment: manifest.environment, current: lane.current, desired, file: manifest.file };
      if (lane.pinned !== null && lane.pinned !== desired) return [{ ...base, action: 'pinned' }];
      if (lane.in_flight !== null) return [{ ...base, action: 'in_flight' }];
      return [{ ...base, action: 'deploy' }];
    }),
  );

export class InvalidManifest extends DomainError {
  readonly code = 'invalid-manifest';
  constructor(
    readonly commit: string,
    errors: FieldError[],
  ) {
    super(`The manifests at ${commit.slice(0, 7)} are invalid; nothing was deployed: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
  }
}
