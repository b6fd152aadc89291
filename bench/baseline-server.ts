/**
 * The same-run baseline of the HTTP ingest bench (bench/http.bench.ts): the least a durable ingestion
 * endpoint can do. Fastify + better-sqlite3 (WAL, synchronous=FULL), one INSERT of the JSON body per
 * request in its own fsync'd commit, behind a bearer-token check, on the same route as Shiplog.
 *
 * Started as its own process: `node dist/bench/baseline-server.js` with PORT, HOST, BASELINE_DB (a file)
 * and BASELINE_TOKEN.
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const port = Number(process.env['PORT'] ?? '0');
const host = process.env['HOST'] ?? '127.0.0.1';
const db = new Database(required('BASELINE_DB'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS deployment_events (
  id INTEGER PRIMARY KEY,
  product TEXT NOT NULL,
  environment TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL
)`);
const insert = db.prepare<[string, string, string, string]>('INSERT INTO deployment_events (product, environment, body, received_at) VALUES (?, ?, ?, ?)');

// Compared as digests so the comparison takes the same time whatever the presented token.
const digest = (value: string) => createHash('sha256').update(value).digest();
const expected = digest(`Bearer ${required('BASELINE_TOKEN')}`);
const authorized = (header: string | undefined) => header !== undefined && timingSafeEqual(digest(header), expected);

const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 128;

const app = Fastify({ bodyLimit: 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });

app.get('/health', async () => ({ status: 'ok' }));

app.post('/deployment-events/', async (request, reply) => {
  if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'unauthorized' });
  const body = request.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null || !isName(body['product_name']) || !isName(body['environment_name'])) {
    return reply.code(400).send({ error: 'product_name and environment_name are required' });
  }
  const { lastInsertRowid } = insert.run(body['product_name'], body['environment_name'], JSON.stringify(body), new Date().toISOString());
  return reply.code(201).send({ id: Number(lastInsertRowid), product_name: body['product_name'], environment_name: body['environment_name'] });
});

const shutdown = () => {
  void app.close().finally(() => {
    db.close();
    process.exit(0);
  });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

app.listen({ port, host }).then(
  (address) => console.warn(`baseline listening on ${address}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
