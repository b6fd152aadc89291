import type { ReadStore } from '../read-store.port';
import { ENVIRONMENTS, PRODUCTS, type EnvironmentView, type ProductView } from './catalog.projection';

export class CatalogQueries {
  constructor(private readonly readStore: ReadStore) {}

  products(): Promise<ProductView[]> {
    return this.readStore.find<ProductView>(PRODUCTS, { orderBy: [['id', 'asc']] });
  }

  environments(): Promise<EnvironmentView[]> {
    return this.readStore.find<EnvironmentView>(ENVIRONMENTS, { orderBy: [['id', 'asc']] });
  }
}
