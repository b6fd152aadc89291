import type { CanonicalStatus } from '../../domain/deployments/statuses';
import type { ReadStore, Scalar } from '../read-store.port';
import { newestFirstPage, whereOf, type Page } from '../shared/paging';
import { BUILDS, type BuildView } from './builds.projection';

export type BuildFilter = { product?: string; version?: string; status?: CanonicalStatus };

export class BuildQueries {
  constructor(private readonly readStore: ReadStore) {}

  list(filter: BuildFilter, limit: number, after: Scalar[] | null): Promise<Page<BuildView>> {
    return newestFirstPage<BuildView>(this.readStore, BUILDS, whereOf(filter), limit, after);
  }

  get(id: string): Promise<BuildView | null> {
    return this.readStore.get<BuildView>(BUILDS, id);
  }
}
