import { CATALOG_EVENT_TYPES, type CatalogEvent } from '../../domain/catalog/catalog';
import { assertNever } from '../../domain/shared/assert-never';
import type { Recorded } from '../../event-store/event-store.port';
import { defineProjection } from '../projection';

export type ProductView = { id: string; name: string; registered_at: string };
export type EnvironmentView = { id: string; name: string; created_at: string };

export const PRODUCTS = 'products';
export const ENVIRONMENTS = 'environments';

export const catalogProjection = defineProjection<Recorded<CatalogEvent>>({
  name: 'catalog',
  version: 1,
  collections: [
    { name: PRODUCTS, indexes: [] },
    { name: ENVIRONMENTS, indexes: [] },
  ],
  handles: CATALOG_EVENT_TYPES,
  async apply(tx, event) {
    switch (event.type) {
      case 'product.registered':
        return tx.put(PRODUCTS, { id: event.data.name, ...event.data } satisfies ProductView);
      case 'environment.created':
        return tx.put(ENVIRONMENTS, { id: event.data.name, ...event.data } satisfies EnvironmentView);
      default:
        return assertNever(event);
    }
  },
});
