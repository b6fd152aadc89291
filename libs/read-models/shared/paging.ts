import type { Condition, FindQuery, ReadStore, Scalar } from '../read-store.port';

export type Page<T> = { items: T[]; next_cursor: string | null };

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Cursors are opaque to clients: the sort key of the last row, base64url-encoded. */
export const encodeCursor = (values: readonly Scalar[]): string => Buffer.from(JSON.stringify(values)).toString('base64url');

export const decodeCursor = (cursor: string): Scalar[] | null => {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(values) && values.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)) ? (values as Scalar[]) : null;
  } catch {
    return null;
  }
};

/** Drops undefined filter values, so optional query parameters map straight to a `where`. */
export const whereOf = (filter: Record<string, Condition | undefined>): Record<string, Condition> =>
  Object.fromEntries(Object.entries(filter).filter((entry): entry is [string, Condition] => entry[1] !== undefined));

const NEWEST_FIRST: FindQuery['orderBy'] = [
  ['created_at', 'desc'],
  ['id', 'desc'],
];

/**
 * One page, newest first, keyset-paged on (created_at, id). `refine` may rewrite or drop rows after the
 * index did its part (e.g. to show rows as they were at an instant); pages are then filled in chunks.
 */
export const newestFirstPage = async <T extends { id: string; created_at: string }>(
  store: ReadStore,
  collection: string,
  where: Record<string, Condition>,
  limit: number,
  after: Scalar[] | null,
  refine: (row: T) => T | null = (row) => row,
): Promise<Page<T>> => {
  const items: T[] = [];
  let cursor = after;
  const chunk = Math.min(MAX_PAGE_SIZE, limit + 1);
  for (;;) {
    const rows = await store.find<T & { id: string }>(collection, { where, orderBy: NEWEST_FIRST, ...(cursor ? { after: cursor } : {}), limit: chunk });
    for (const row of rows) {
      const refined = refine(row);
      if (refined && items.length === limit) return { items, next_cursor: encodeCursor([items[limit - 1]!.created_at, items[limit - 1]!.id]) };
      if (refined) items.push(refined);
    }
    if (rows.length < chunk) return { items, next_cursor: null };
    const last = rows[rows.length - 1]!;
    cursor = [last.created_at, last.id];
  }
};
