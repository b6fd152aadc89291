import type { CanonicalStatus } from '../../domain/deployments/statuses';
import type { Condition, ReadStore, Scalar } from '../read-store.port';
import { DEPLOYMENTS, type DeploymentView } from './deployments.projection';

export type DeploymentFilter = { product?: string; environment?: string; status?: CanonicalStatus; version?: string };
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

export class DeploymentQueries {
  constructor(private readonly readStore: ReadStore) {}

  /** Newest first; `after` is a decoded cursor from the previous page. */
  async list(filter: DeploymentFilter, limit: number, after: Scalar[] | null): Promise<Page<DeploymentView>> {
    const where: Record<string, Condition> = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
    const rows = await this.readStore.find<DeploymentView>(DEPLOYMENTS, {
      where,
      orderBy: [
        ['created_at', 'desc'],
        ['id', 'desc'],
      ],
      ...(after ? { after } : {}),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, next_cursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null };
  }

  get(id: string): Promise<DeploymentView | null> {
    return this.readStore.get<DeploymentView>(DEPLOYMENTS, id);
  }
}
