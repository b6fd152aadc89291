import { SqliteEventStore } from '../libs/event-store/sqlite/sqlite-event-store';

/** A tiny seeded PRNG (mulberry32): the same seed gives the same history on every machine. */
export const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export const PRODUCTS = Array.from({ length: 20 }, (_, i) => `service-${i}`);
export const ENVIRONMENTS = ['dev', 'qa', 'staging', 'production', 'eu-production'];
export const START = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * Writes a realistic history straight into an events.db: products and environments registered, builds, and
 * deployments (started → completed mostly, some failed or aborted) across 100 lanes, times spread over a year.
 * Returns the number of events written.
 */
export const generateHistory = async (file: string, targetEvents: number, seed = 42): Promise<number> => {
  const random = seeded(seed);
  const store = SqliteEventStore.open({ file });
  let written = 0;
  const at = (i: number) => new Date(START + i * 60_000).toISOString();
  for (const name of PRODUCTS) written += (await store.append(`product-${name}`, [{ type: 'product.registered', data: { name, registered_at: at(0) } }], { expectedRevision: 'any' })).events.length;
  for (const name of ENVIRONMENTS) written += (await store.append(`environment-${name}`, [{ type: 'environment.created', data: { name, created_at: at(0) } }], { expectedRevision: 'any' })).events.length;
  const lanes = PRODUCTS.flatMap((product) => ENVIRONMENTS.map((environment) => ({ product, environment })));
  const perLane = Math.ceil((targetEvents - written) / lanes.length / 2);
  let clock = 1;
  for (const { product, environment } of lanes) {
    const events = [];
    for (let d = 0; d < perLane; d += 1) {
      const id = `${product}@${environment}#${d}`;
      const version = `1.${Math.floor(d / 10)}.${d % 10}`;
      const facts = { deployment_id: id, product, environment, version, deployed_by: `user-${Math.floor(random() * 30)}`, build_url: `https://ci.example.com/${id}` };
      const started = at((clock += 1 + Math.floor(random() * 5)));
      const ended = at((clock += 1 + Math.floor(random() * 10)));
      const roll = random();
      const outcome = roll < 0.85 ? 'completed' : roll < 0.97 ? 'failed' : 'aborted';
      events.push({ type: 'deployment.started', data: { ...facts, occurred_at: started }, occurredAt: started });
      events.push({ type: `deployment.${outcome}`, data: { ...facts, occurred_at: ended, ...(outcome === 'failed' ? { extra_metadata: { error: 'health check failed' } } : {}) }, occurredAt: ended });
    }
    for (let i = 0; i < events.length; i += 2_000) {
      written += (await store.append(`lane-${product}@${environment}`, events.slice(i, i + 2_000), { expectedRevision: 'any' })).events.length;
    }
    clock = 1 + Math.floor(random() * 100); // every lane spans the same year: lanes interleave in time
  }
  await store.close();
  return written;
};
