import type { EventSearch } from '../../../libs/event-store/event-store.port';

/** The streams a product or an environment owns (names never contain `*` or `@`, so globs are exact). */
export const streamGlobsFor = ({ stream, product, environment }: { stream?: string; product?: string; environment?: string }): string[] | undefined => {
  if (stream) return [stream];
  if (product && environment) return [`lane-${product}@${environment}`];
  if (product) return [`lane-${product}@*`, `build-${product}@*`, `product-${product}`];
  if (environment) return [`lane-*@${environment}`, `environment-${environment}`];
  return undefined;
};

/** `type=deployment.failed` or `type=deployment.*` (comma-separated for several). */
export const typeFilter = (types: string | undefined): Pick<EventSearch, 'types' | 'typePrefixes'> => {
  if (!types) return {};
  const list = types.split(',').map((t) => t.trim()).filter(Boolean);
  return { types: list.filter((t) => !t.endsWith('.*')), typePrefixes: list.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1)) };
};
