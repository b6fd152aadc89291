import { assertNever } from '../shared/assert-never';
import type { DomainEvent } from '../shared/event';

/** Products and environments are registered on first use (DESIGN §3), each in its own stream. */
export type ProductRegistered = DomainEvent<'product.registered', { name: string; registered_at: string }>;
export type EnvironmentCreated = DomainEvent<'environment.created', { name: string; created_at: string }>;
export type CatalogEvent = ProductRegistered | EnvironmentCreated;

export const CATALOG_EVENT_TYPES: readonly CatalogEvent['type'][] = ['product.registered', 'environment.created'];

export type RegisterProduct = { type: 'RegisterProduct'; data: { name: string } };
export type CreateEnvironment = { type: 'CreateEnvironment'; data: { name: string } };
export type CatalogCommand = RegisterProduct | CreateEnvironment;

export type CatalogState = { readonly exists: boolean };
export const initialCatalogState: CatalogState = { exists: false };

export const productStream = (name: string): string => `product-${name}`;
export const environmentStream = (name: string): string => `environment-${name}`;

export const catalogStream = (command: CatalogCommand): string =>
  command.type === 'RegisterProduct' ? productStream(command.data.name) : environmentStream(command.data.name);

/** Registering twice is a no-op, so first-use registration can be retried freely. */
export const decideCatalog = (command: CatalogCommand, state: CatalogState, now: Date): CatalogEvent[] => {
  if (state.exists) return [];
  const at = now.toISOString();
  switch (command.type) {
    case 'RegisterProduct':
      return [{ type: 'product.registered', data: { name: command.data.name, registered_at: at } }];
    case 'CreateEnvironment':
      return [{ type: 'environment.created', data: { name: command.data.name, created_at: at } }];
    default:
      return assertNever(command);
  }
};

/** Any event in a product or environment stream means it is registered (settings, variables… come later in the same stream). */
export const evolveCatalog = (_state: CatalogState, _event: { type: string }): CatalogState => ({ exists: true });
