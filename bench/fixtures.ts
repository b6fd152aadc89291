import { createHash } from 'node:crypto';
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

/** Events to append, by stream. */
type Batches = Map<string, { type: string; data: object; occurredAt: string }[]>;

/**
 * Writes a realistic history straight into an events.db, in time order: products and environments registered,
 * then step after step (spread over a year) each product builds a new version (5 % of builds fail) and, when it
 * built, deploys it to dev, qa, staging, production and eu-production in turn (started → completed mostly, some
 * failed or aborted). Each step is one group commit of every stream it touches, so lanes and builds interleave in
 * the log as they would in a real one. Stops once `targetEvents` are written; returns the number written.
 */
export const generateHistory = async (file: string, targetEvents: number, seed = 42): Promise<number> => {
  const random = seeded(seed);
  const store = SqliteEventStore.open({ file });
  let written = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const append = async (batches: Batches) => {
    const results = await Promise.all([...batches].map(([stream, events]) => store.append(stream, events, { expectedRevision: 'any' })));
    written += results.reduce((sum, r) => sum + r.events.length, 0);
  };
  const registrations: Batches = new Map();
  for (const name of PRODUCTS) registrations.set(`product-${name}`, [{ type: 'product.registered', data: { name, registered_at: iso(START) }, occurredAt: iso(START) }]);
  for (const name of ENVIRONMENTS) registrations.set(`environment-${name}`, [{ type: 'environment.created', data: { name, created_at: iso(START) }, occurredAt: iso(START) }]);
  await append(registrations);
  // About 2 build events and 10 deployment events per product and step.
  const steps = Math.max(1, Math.ceil((targetEvents - written) / (PRODUCTS.length * (2 + 2 * ENVIRONMENTS.length))));
  const stepMs = (365 * 86_400_000) / steps;
  /** A moment within the step, as a fraction of it (every lane's events stay in order across steps). */
  const within = (step: number, from: number, spread: number) => START + (step + from + random() * spread) * stepMs;
  for (let step = 0; written < targetEvents; step += 1) {
    const batches: Batches = new Map();
    for (const product of PRODUCTS) {
      const version = `1.${Math.floor(step / 10)}.${step % 10}`;
      const sha = createHash('sha1').update(`${product}@${version}`).digest('hex');
      const build = { build_id: `${product}@${version}#build`, product, version, scm_sha: sha, scm_branch: 'main', build_url: `https://ci.example.com/${product}/${step}` };
      const [buildStarted, buildEnded] = [within(step, 0, 0.03), within(step, 0.04, 0.04)];
      const built = random() >= 0.05;
      batches.set(`build-${product}@${version}`, [
        { type: 'build.started', data: { ...build, occurred_at: iso(buildStarted) }, occurredAt: iso(buildStarted) },
        { type: built ? 'build.completed' : 'build.failed', data: { ...build, occurred_at: iso(buildEnded) }, occurredAt: iso(buildEnded) },
      ]);
      if (!built) continue;
      ENVIRONMENTS.forEach((environment, e) => {
        const id = `${product}@${environment}#${step}`;
        const facts = { deployment_id: id, product, environment, version, scm_sha: sha, deployed_by: `user-${Math.floor(random() * 30)}`, build_url: `https://ci.example.com/${id}` };
        const [started, ended] = [within(step, 0.1 + 0.15 * e, 0.05), within(step, 0.16 + 0.15 * e, 0.07)];
        const roll = random();
        const outcome = roll < 0.85 ? 'completed' : roll < 0.97 ? 'failed' : 'aborted';
        batches.set(`lane-${product}@${environment}`, [
          { type: 'deployment.started', data: { ...facts, occurred_at: iso(started) }, occurredAt: iso(started) },
          {
            type: `deployment.${outcome}`,
            data: { ...facts, occurred_at: iso(ended), ...(outcome === 'failed' ? { extra_metadata: { error: 'health check failed' } } : {}) },
            occurredAt: iso(ended),
          },
        ]);
      });
    }
    await append(batches);
  }
  await store.close();
  return written;
};
