import type { Document, IndexDescription, Sort } from 'mongodb';
import type { CollectionDef, Condition, FindQuery, Scalar, SortDirection } from '../read-store.port';

/** Same rule as the SQLite store, so a projection valid on one store is valid on the other (and no `$` or `.` reaches a query). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const checked = (kind: string, name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid ${kind} name for the read store: ${name}`);
  return name;
};

export const collectionName = (collection: string): string => `rm_${checked('collection', collection)}`;

/** A document's id is stored as `_id` (the primary key, always indexed); its own `id` field is kept too. */
export const fieldPath = (field: string): string => (field === 'id' ? '_id' : checked('field', field));

/** Matches no document, answered from the `_id` index without scanning. */
const nothing = (): Document => ({ _id: { $in: [] } });

const RANGE_OPERATORS = { gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' } as const;

/** `undefined`: the condition constrains nothing (a range without bounds). */
const conditionFilter = (condition: Condition): unknown => {
  // Equality to null also matches a missing field, as SQL's `IS NULL` on json_extract does.
  if (condition === null || typeof condition !== 'object') return condition;
  if ('in' in condition) return { $in: condition.in };
  const bounds = Object.entries(RANGE_OPERATORS).flatMap(([op, mongoOp]) => {
    const bound = condition[op as keyof typeof RANGE_OPERATORS];
    return bound === undefined ? [] : [[mongoOp, bound] as const];
  });
  return bounds.length > 0 ? Object.fromEntries(bounds) : undefined;
};

/**
 * Rows sorting strictly after `value`: null and missing sort lowest (Mongo's order), so nothing is below a null,
 * and every null is below any value. Type bracketing of `$gt`/`$lt` would otherwise drop those rows.
 */
const beyond = (path: string, direction: SortDirection, value: Scalar): Document | null => {
  if (direction === 'asc') return { [path]: value === null ? { $ne: null } : { $gt: value } };
  return value === null ? null : { $or: [{ [path]: { $lt: value } }, { [path]: null }] };
};

/** (a, b) after (va, vb) ⇔ a beyond va, or a = va and b beyond vb — "beyond" follows each sort direction. */
export const keysetFilter = (orderBy: NonNullable<FindQuery['orderBy']>, after: readonly Scalar[]): Document => {
  const branches = orderBy.flatMap(([field, direction], i) => {
    const next = beyond(fieldPath(field), direction, after[i] ?? null);
    if (!next) return [];
    const prefix = orderBy.slice(0, i).map(([f], j) => ({ [fieldPath(f)]: after[j] ?? null }));
    return [prefix.length > 0 ? { $and: [...prefix, next] } : next];
  });
  return branches.length > 0 ? { $or: branches } : nothing();  // `$or: []` is a server error
};

export type MongoFind = { filter: Document; options: { sort?: Sort; limit?: number } };

export const toMongoFind = (query: FindQuery): MongoFind => {
  const filter: Document = {};
  for (const [field, condition] of Object.entries(query.where ?? {})) {
    const translated = conditionFilter(condition);
    if (translated !== undefined) filter[fieldPath(field)] = translated;
  }
  // Field names are identifiers, so `$or` cannot collide with a where condition.
  if (query.after && query.orderBy?.length) Object.assign(filter, keysetFilter(query.orderBy, query.after));
  const sort = (query.orderBy ?? []).map(([field, direction]) => [fieldPath(field), direction === 'desc' ? -1 : 1] as const);
  const { limit } = query;
  // Mongo reads limit 0 as "no limit" and a negative one as a single batch; SQLite: 0 rows and no limit.
  if (limit === 0) return { filter: nothing(), options: {} };
  return { filter, options: { ...(sort.length > 0 ? { sort } : {}), ...(limit !== undefined && limit > 0 ? { limit } : {}) } };
};

/**
 * One ascending compound index per declared field list, named after its fields so `createIndexes` is idempotent.
 * Mongo walks an index both ways, so mixed-direction sorts may still sort in memory, as in SQLite.
 */
export const indexSpecs = ({ indexes }: CollectionDef): IndexDescription[] => {
  const specs = new Map<string, IndexDescription>();
  for (const fields of indexes) {
    const paths = fields.map(fieldPath);
    if (paths.length === 0 || (paths.length === 1 && paths[0] === '_id')) continue;  // `_id` has its own index
    const name = fields.map((f) => checked('field', f)).join('__');
    specs.set(name, { name, key: Object.fromEntries(paths.map((p) => [p, 1 as const])) });
  }
  return [...specs.values()];
};

/** The database in a connection string's path (`mongodb://h1,h2/db?…`); the driver itself would default to `test`. */
export const databaseInUrl = (url: string): string | null => {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : null;
};
