import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import type { AccessRule } from '../apps/server/access/access.decorator';
import { routesOf } from '../apps/server/access/route-access.check';
import { loadConfig } from '../apps/server/config';
import { eventually } from '../libs/testing/eventually';
import { capturingLogger, dataFiles, removeDataDir, startServer, TEST_ADMIN_TOKEN, type RunningServer } from './support/server';

type Sample = { method: string; path: string; body?: unknown; headers?: Record<string, string> };

const deployment = { product_name: 'my-service', version: '1.0.0', environment_name: 'production', status: 'started' };

describe('access control (HTTP, real app)', () => {
  let server: RunningServer;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const createToken = async (body: Record<string, unknown>) => {
    const response = await server.request('POST', '/api/v1/tokens', body);
    expect(response.status).toBe(201);
    return response.body as { id: string; token: string; prefix: string };
  };

  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  describe('every route', () => {
    let tokens: Record<'viewer' | 'ingest' | 'operator' | 'admin' | 'otherProduct' | 'otherEnvironment', string>;
    let samples: Record<string, Sample>;

    beforeEach(async () => {
      // The walk makes many unauthenticated calls on purpose: lift the per-address failure limit for it.
      server = await startServer({ env: { SHIPLOG_AUTH_FAILURES_PER_MINUTE: '100000' } });
      tokens = {
        viewer: (await createToken({ name: 'viewer', role: 'viewer' })).token,
        ingest: (await createToken({ name: 'ci', role: 'ingest' })).token,
        operator: (await createToken({ name: 'ops', role: 'operator' })).token,
        admin: (await createToken({ name: 'root', role: 'admin' })).token,
        otherProduct: (await createToken({ name: 'other-product', role: 'admin', products: ['other-service'] })).token,
        otherEnvironment: (await createToken({ name: 'other-env', role: 'admin', environments: ['staging'] })).token,
      };
      const dep = (await server.request('POST', '/deployment-events/', deployment)).body.deployment_id as string;
      const build = (await server.request('POST', '/build-events/', { product_name: 'my-service', version: '1.0.0', status: 'started' })).body.build_id as string;
      const throwaway = await createToken({ name: 'to-revoke', role: 'viewer' });
      await server.request('PUT', '/api/v1/environments/production/variables/TO_REMOVE', { value: 'x', product: 'my-service' });
      const artifact = (await server.request('POST', '/api/v1/artifacts?product=my-service&version=1.0.0&name=app.tgz', 'artifact bytes', { 'content-type': 'application/octet-stream' })).body.id as string;
      const hook = (await server.request('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', secret: 'sixteen-chars-min', event_types: ['build.*'] })).body.id as string;
      const release = (await server.request('POST', '/api/v1/releases', { name: 'r1', environment: 'production', applications: [{ name: 'my-service', version: '1.0.0' }], approval_required: 1 })).body.release_id as string;
      samples = {
        'POST /deployment-events': { method: 'POST', path: '/deployment-events/', body: deployment },
        'POST /build-events': { method: 'POST', path: '/build-events/', body: { product_name: 'my-service', version: '1.0.0', status: 'started' } },
        'GET /deployments': { method: 'GET', path: '/deployments/?product=my-service&environment=production' },
        'GET /deployments/:id': { method: 'GET', path: `/deployments/${dep}` },
        'GET /state': { method: 'GET', path: '/state?product=my-service&environment=production' },
        'GET /api/deployments/:id': { method: 'GET', path: `/api/deployments/${dep}` },
        'GET /api/projects/:id/deployments': { method: 'GET', path: '/api/projects/my-service/deployments?environment=production' },
        'GET /api/v1/deployments/:id/status': { method: 'GET', path: `/api/v1/deployments/${dep}/status` },
        'GET /api/v1/me': { method: 'GET', path: '/api/v1/me' },
        'GET /api/v1/stream': { method: 'GET', path: '/api/v1/stream?max_seconds=1' },
        'POST /api/v1/gitops/sources': { method: 'POST', path: '/api/v1/gitops/sources', body: { repo_url: 'file:///nonexistent/repo' } },
        'GET /api/v1/gitops/sources': { method: 'GET', path: '/api/v1/gitops/sources' },
        'GET /api/v1/gitops/sources/:id': { method: 'GET', path: '/api/v1/gitops/sources/nope' },
        'DELETE /api/v1/gitops/sources/:id': { method: 'DELETE', path: '/api/v1/gitops/sources/nope' },
        'GET /api/v1/gitops/sources/:id/diff': { method: 'GET', path: '/api/v1/gitops/sources/nope/diff' },
        'POST /api/v1/gitops/sources/:id/sync': { method: 'POST', path: '/api/v1/gitops/sources/nope/sync' },
        'GET /api/v1/deployments/:id/result': { method: 'GET', path: `/api/v1/deployments/${dep}/result` },
        'POST /api/v1/deployments/:id/pause': { method: 'POST', path: `/api/v1/deployments/${dep}/pause`, body: {} },
        'POST /api/v1/deployments/:id/resume': { method: 'POST', path: `/api/v1/deployments/${dep}/resume` },
        'POST /api/v1/deployments/:id/promote-now': { method: 'POST', path: `/api/v1/deployments/${dep}/promote-now`, body: {} },
        'POST /api/v1/deployments/:id/abort': { method: 'POST', path: `/api/v1/deployments/${dep}/abort`, body: {} },
        'POST /api/v1/deployments/:id/step-results': { method: 'POST', path: `/api/v1/deployments/${dep}/step-results`, body: { step: 1, ok: true } },
        'GET /builds': { method: 'GET', path: '/builds/?product=my-service' },
        'GET /builds/:id': { method: 'GET', path: `/builds/${build}` },
        'GET /products': { method: 'GET', path: '/products/' },
        'GET /environments': { method: 'GET', path: '/environments/' },
        'GET /health': { method: 'GET', path: '/health' },
        'GET /metrics': { method: 'GET', path: '/metrics' },
        'POST /api/v1/tokens': { method: 'POST', path: '/api/v1/tokens', body: { name: 'new', role: 'viewer' } },
        'GET /api/v1/tokens': { method: 'GET', path: '/api/v1/tokens' },
        'DELETE /api/v1/tokens/:id': { method: 'DELETE', path: `/api/v1/tokens/${throwaway.id}` },
        'POST /api/v1/deployments': { method: 'POST', path: '/api/v1/deployments', body: { application: 'my-service', version: '1.0.0', environment: 'production', reason: 'walk' } },
        'POST /api/deployments': { method: 'POST', path: '/api/deployments', body: { projectId: 'my-service', version: '1.0.0', environment: 'production' } },
        'POST /api/deployments/:id/cancel': { method: 'POST', path: `/api/deployments/${dep}/cancel`, body: {} },
        'POST /api/deployments/:id/rollback': { method: 'POST', path: `/api/deployments/${dep}/rollback`, body: { reason: 'walk' } },
        'POST /api/v1/environments/:env/rollback': { method: 'POST', path: '/api/v1/environments/production/rollback', body: { product: 'my-service' } },
        'POST /api/v1/promotions': { method: 'POST', path: '/api/v1/promotions', body: { product: 'my-service', from: 'staging', to: 'production' } },
        'POST /api/v1/deployments/:id/approve': { method: 'POST', path: `/api/v1/deployments/${dep}/approve`, body: {} },
        'POST /api/v1/deployments/:id/reject': { method: 'POST', path: `/api/v1/deployments/${dep}/reject`, body: {} },
        'POST /api/v1/lanes/:product/:environment/unpin': { method: 'POST', path: '/api/v1/lanes/my-service/production/unpin' },
        'GET /api/v1/environments/:env/status': { method: 'GET', path: '/api/v1/environments/production/status?product=my-service' },
        'GET /api/v1/environments/:name': { method: 'GET', path: '/api/v1/environments/production' },
        'PATCH /api/v1/environments/:name': { method: 'PATCH', path: '/api/v1/environments/production', body: { auto_rollback: true } },
        'GET /api/deployments/:id/logs': { method: 'GET', path: `/api/deployments/${dep}/logs` },
        'POST /api/deployments/:id/logs': { method: 'POST', path: `/api/deployments/${dep}/logs`, body: { lines: ['hello'] } },
        'POST /api/v1/webhooks': { method: 'POST', path: '/api/v1/webhooks', body: { url: 'http://127.0.0.1:9/hook', secret: 'sixteen-chars-min', event_types: ['deployment.*'] } },
        'GET /api/v1/webhooks': { method: 'GET', path: '/api/v1/webhooks' },
        'DELETE /api/v1/webhooks/:id': { method: 'DELETE', path: `/api/v1/webhooks/${hook}` },
        'GET /api/v1/webhooks/:id/deliveries': { method: 'GET', path: `/api/v1/webhooks/${hook}/deliveries` },
        'GET /api/v1/state': { method: 'GET', path: '/api/v1/state?product=my-service&environment=production&at=2030-01-01T00:00:00Z' },
        'GET /api/v1/admin/projections': { method: 'GET', path: '/api/v1/admin/projections' },
        'POST /api/v1/admin/projections/:name/rebuild': { method: 'POST', path: '/api/v1/admin/projections/catalog/rebuild' },
        'GET /api/v1/metrics/deployments': { method: 'GET', path: '/api/v1/metrics/deployments?product=my-service&environment=production' },
        'GET /api/v1/metrics/what-if': { method: 'GET', path: '/api/v1/metrics/what-if?product=my-service&environment=production&approval_required=1' },
        'GET /api/v1/policies/check': { method: 'GET', path: '/api/v1/policies/check?product=my-service&environment=production&version=1.0.0' },
        'POST /api/v1/environments/:name/lock': { method: 'POST', path: '/api/v1/environments/production/lock', body: { reason: 'walk' } },
        'DELETE /api/v1/environments/:name/lock': { method: 'DELETE', path: '/api/v1/environments/production/lock' },
        'PUT /api/v1/configurations': { method: 'PUT', path: '/api/v1/configurations', body: { environment: 'production', config: { replicas: 3 } } },
        'GET /api/v1/configurations/:env/versions': { method: 'GET', path: '/api/v1/configurations/production/versions' },
        'GET /api/v1/configurations/:env/versions/:n': { method: 'GET', path: '/api/v1/configurations/production/versions/1' },
        'GET /api/v1/configurations/:env/diff': { method: 'GET', path: '/api/v1/configurations/production/diff?from=1&to=1' },
        'POST /api/v1/configurations/:env/versions/:n/restore': { method: 'POST', path: '/api/v1/configurations/production/versions/1/restore' },
        'GET /api/v1/configurations/:env/versions/:n/export': { method: 'GET', path: '/api/v1/configurations/production/versions/1/export' },
        'POST /api/v1/environments': { method: 'POST', path: '/api/v1/environments', body: { name: 'production', type: 'kubernetes' } },
        'GET /api/v1/environments': { method: 'GET', path: '/api/v1/environments' },
        'GET /api/v1/environments/compare': { method: 'GET', path: '/api/v1/environments/compare?a=production&b=production' },
        'GET /api/projects/:id/environments': { method: 'GET', path: '/api/projects/my-service/environments' },
        'GET /api/projects/:id/environments/:env': { method: 'GET', path: '/api/projects/my-service/environments/production' },
        'PUT /api/projects/:id/environments/:env': { method: 'PUT', path: '/api/projects/my-service/environments/production', body: { status: 'healthy' } },
        'POST /api/v1/artifacts': { method: 'POST', path: '/api/v1/artifacts?product=my-service&version=1.0.0&name=app.tgz', body: 'bytes', headers: { 'content-type': 'application/octet-stream' } },
        'GET /api/v1/artifacts': { method: 'GET', path: '/api/v1/artifacts?product=my-service' },
        'GET /api/v1/artifacts/:id': { method: 'GET', path: `/api/v1/artifacts/${artifact}` },
        'GET /api/v1/artifacts/:id/download': { method: 'GET', path: `/api/v1/artifacts/${artifact}/download` },
        'POST /api/v1/releases': { method: 'POST', path: '/api/v1/releases', body: { name: 'r2', environment: 'production', applications: [{ name: 'my-service', version: '1.0.0' }], approval_required: 1 } },
        'GET /api/v1/releases': { method: 'GET', path: '/api/v1/releases' },
        'GET /api/v1/releases/:id': { method: 'GET', path: `/api/v1/releases/${release}` },
        'POST /api/v1/releases/:id/approve': { method: 'POST', path: `/api/v1/releases/${release}/approve` },
        'POST /api/v1/releases/:id/reject': { method: 'POST', path: `/api/v1/releases/${release}/reject`, body: { comment: 'no' } },
        'POST /api/v1/releases/:id/cancel': { method: 'POST', path: `/api/v1/releases/${release}/cancel`, body: { reason: 'test' } },
        'POST /api/v1/artifacts/cleanup': { method: 'POST', path: '/api/v1/artifacts/cleanup?dry_run=true' },
        'GET /api/v1/audit': { method: 'GET', path: '/api/v1/audit?product=my-service' },
        'GET /api/v1/audit/export': { method: 'GET', path: '/api/v1/audit/export?format=csv' },
        'POST /notification-preferences': { method: 'POST', path: '/notification-preferences/', body: { event_type: 'deployment.failed', channel_id: 'C123', product: 'my-service', environment: 'production' } },
        'GET /notification-preferences': { method: 'GET', path: '/notification-preferences/' },
        'DELETE /notification-preferences/:id': { method: 'DELETE', path: '/notification-preferences/nope' },
        'POST /api/v1/slack/users': { method: 'POST', path: '/api/v1/slack/users', body: { slack_user_id: 'U123', role: 'operator' } },
        'GET /api/v1/slack/users': { method: 'GET', path: '/api/v1/slack/users' },
        'DELETE /api/v1/slack/users/:id': { method: 'DELETE', path: '/api/v1/slack/users/U123' },
        'GET /api/v1/notifications/deliveries': { method: 'GET', path: '/api/v1/notifications/deliveries' },
        'GET /api/v1/environments/:env/variables': { method: 'GET', path: '/api/v1/environments/production/variables?product=my-service' },
        'PUT /api/v1/environments/:env/variables/:name': { method: 'PUT', path: '/api/v1/environments/production/variables/LOG_LEVEL', body: { value: 'debug', product: 'my-service' } },
        'DELETE /api/v1/environments/:env/variables/:name': { method: 'DELETE', path: '/api/v1/environments/production/variables/TO_REMOVE?product=my-service' },
      };
    });

    const routeTable = () =>
      routesOf(server.app.get(DiscoveryService), server.app.get(MetadataScanner)).map((route) => ({
        key: `${RequestMethod[route.method]} ${route.path}`,
        rule: route.access as AccessRule,
      }));

    it('has a test request for each route, and each route declares its access', () => {
      const table = routeTable();
      expect(table.map((r) => r.key).sort()).toEqual(Object.keys(samples).sort());
      for (const { rule } of table) expect(rule).toEqual(expect.objectContaining({ role: expect.anything(), scope: expect.anything() }));
    });

    it('answers 401 without a token, 403 to a lower role, 403 outside the token scope, and lets the right role in', async () => {
      const config = loadConfig({});
      const below = { viewer: null, ingest: tokens.viewer, operator: tokens.ingest, admin: tokens.operator, auditor: tokens.operator } as const;
      for (const { key, rule } of routeTable()) {
        const sample = samples[key]!;
        const call = (headers: Record<string, string>) => server.request(sample.method, sample.path, sample.body, { ...sample.headers, ...headers });
        const role = typeof rule.role === 'function' ? rule.role(config) : rule.role;
        if (role === 'public') {
          expect([key, (await call({ authorization: '' })).status]).toEqual([key, 200]);
          continue;
        }
        const anonymous = await call({ authorization: '' });
        expect([key, anonymous.status, anonymous.body.type]).toEqual([key, 401, '/problems/missing-credentials']);
        const lower = below[role];
        if (lower) expect([key, (await call(bearer(lower))).status]).toEqual([key, 403]);
        // Which dimensions the route concerns: a scoped token outside them must be refused.
        const dimensions =
          rule.scopedTokens === 'refused'
            ? ['product', 'environment']
            : rule.scope === 'resource'
              ? key.includes('builds') || key.includes('artifacts') ? ['product'] : ['product', 'environment']
              : rule.scope === 'none' ? [] : Object.keys(rule.scope);
        if (dimensions.includes('product')) {
          const outside = await call(bearer(tokens.otherProduct));
          expect([key, outside.status, outside.body.type]).toEqual([key, 403, '/problems/out-of-scope']);
        }
        if (dimensions.includes('environment')) {
          const outside = await call(bearer(tokens.otherEnvironment));
          expect([key, outside.status, outside.body.type]).toEqual([key, 403, '/problems/out-of-scope']);
        }
        // The right role gets past access control; the command itself may still be refused by the domain (409, 404).
        const allowed = await call(bearer(role === 'auditor' ? tokens.admin : tokens[role]));
        expect([key, [401, 403].includes(allowed.status) ? allowed.text : 'past access control']).toEqual([key, 'past access control']);
        expect([key, allowed.status < 500]).toEqual([key, true]);
      }
    });
  });

  describe('tokens', () => {
    beforeEach(async () => {
      server = await startServer();
    });

    it('creates shp_ tokens of 256 random bits, shown once, listed without their secret', async () => {
      const created = await createToken({ name: 'github-actions', role: 'ingest', products: ['my-service'], expires_at: '2099-01-01T00:00:00Z' });
      expect(created.token).toMatch(/^shp_[A-Za-z0-9_-]{43}$/);
      expect(created.prefix).toBe(created.token.slice(0, 12));
      const list = await server.request('GET', '/api/v1/tokens');
      expect(list.text).not.toContain(created.token);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: created.id, name: 'github-actions', role: 'ingest', products: ['my-service'], environments: null, revoked_at: null, expires_at: '2099-01-01T00:00:00.000Z' }),
      ]);
    });

    it('accepts the token as a Bearer token and as X-API-Key, records it as the actor, and tracks last use', async () => {
      const { token, id } = await createToken({ name: 'ci-bot', role: 'ingest' });
      const posted = await server.request('POST', '/deployment-events/', deployment, bearer(token));
      expect(posted.status).toBe(201);
      expect((await server.request('POST', '/deployment-events/', { ...deployment, status: 'success' }, { authorization: '', 'x-api-key': token })).status).toBe(201);
      const read = await server.request('GET', `/deployments/${posted.body.deployment_id}`);
      expect(read.body.events.map((e: { actor: unknown }) => e.actor)).toEqual([
        { kind: 'token', id, name: 'ci-bot' },
        { kind: 'token', id, name: 'ci-bot' },
      ]);
      const listed = (await server.request('GET', '/api/v1/tokens')).body.items.find((t: { id: string }) => t.id === id);
      expect(Date.parse(listed.last_used_at)).not.toBeNaN();
    });

    it('refuses a revoked token from the next request on, saying so', async () => {
      const { token, id } = await createToken({ name: 'temp', role: 'viewer' });
      expect((await server.request('GET', '/products/', undefined, bearer(token))).status).toBe(200);
      expect((await server.request('DELETE', `/api/v1/tokens/${id}`)).status).toBe(204);
      const refused = await server.request('GET', '/products/', undefined, bearer(token));
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ type: '/problems/revoked-token', detail: 'The token was revoked.' });
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await server.request('DELETE', `/api/v1/tokens/${id}`)).status).toBe(204);
      expect((await server.request('DELETE', '/api/v1/tokens/nope')).status).toBe(404);
    });

    it('refuses an expired token', async () => {
      const expiresAt = new Date(Date.now() + 1_000).toISOString();
      const { token } = await createToken({ name: 'short-lived', role: 'viewer', expires_at: expiresAt });
      expect((await server.request('GET', '/products/', undefined, bearer(token))).status).toBe(200);
      await eventually(async () => expect((await server.request('GET', '/products/', undefined, bearer(token))).body.type).toBe('/problems/expired-token'), { within: 5_000, every: 100 });
    });

    it('says which credential problem it was, never which part of a secret matched', async () => {
      const problems = await Promise.all([
        server.request('GET', '/products/', undefined, { authorization: 'Basic dXNlcjpwYXNz' }),
        server.request('GET', '/products/', undefined, { authorization: 'Bearer' }),
        server.request('GET', '/products/', undefined, bearer('shp_not-a-real-token-at-all-000000000000000000')),
      ]);
      expect(problems.map((p) => [p.status, p.body.type])).toEqual([
        [401, '/problems/malformed-credentials'],
        [401, '/problems/malformed-credentials'],
        [401, '/problems/unknown-token'],
      ]);
      expect(problems[2]!.body.detail).toBe('The token is not known to this server.');
    });

    it('refuses tokens with bad fields', async () => {
      const bad = await server.request('POST', '/api/v1/tokens', { name: 'x', role: 'superuser', products: ['bad name'], expires_at: '2001-01-01T00:00:00Z' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['products', 'role']);
      expect(bad.body.errors.find((e: { field: string }) => e.field === 'role').message).toMatch(/viewer, ingest, operator, admin, auditor/);
      const past = await server.request('POST', '/api/v1/tokens', { name: 'x', role: 'viewer', expires_at: '2001-01-01T00:00:00Z' });
      expect(past.body).toMatchObject({ status: 400, type: '/problems/invalid-expiry' });
    });

    it('keeps token secrets out of the store: events carry hashes only', async () => {
      const { token } = await createToken({ name: 'secretive', role: 'viewer' });
      await server.stop();
      for (const file of dataFiles(server.dataDir)) expect([file, readFileSync(file).includes(token)]).toEqual([file, false]);
      server = await startServer({ dataDir: server.dataDir });
    });
  });

  describe('limits and monitoring', () => {
    it('rate-limits per token with 429 problem+json and Retry-After', async () => {
      server = await startServer({ env: { SHIPLOG_RATE_LIMIT_PER_MINUTE: '5' } });
      const statuses = [];
      for (let i = 0; i < 7; i += 1) statuses.push(await server.request('GET', '/products/'));
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(statuses[5]!.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
      expect(Number(statuses[5]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(statuses.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0', '0', '0']);
      expect(statuses[0]!.headers.get('x-ratelimit-limit')).toBe('5');
    });

    it('slows down repeated failed authentication from one address, counts failures in /metrics, and logs no secret', async () => {
      const logger = capturingLogger();
      server = await startServer({ env: { SHIPLOG_AUTH_FAILURES_PER_MINUTE: '3', LOG_LEVEL: 'warn' }, logger });
      const secret = 'shp_attackers-guess-000000000000000000000000000';
      const attempts = [];
      for (let i = 0; i < 4; i += 1) attempts.push((await server.request('GET', '/products/', undefined, bearer(secret))).status);
      expect(attempts).toEqual([401, 401, 401, 429]);
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.text).toMatch(/shiplog_auth_failures_total\{reason="unknown-token"\} 3/);
      expect(logger.lines.filter((l) => l.includes('unknown-token'))).toHaveLength(3);
      expect(logger.lines.join('\n')).not.toContain('attackers-guess');
    });
  });

  describe('bootstrap and switches', () => {
    it('creates and prints an admin token once on the first start without SHIPLOG_ADMIN_TOKEN', async () => {
      const printed: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
      try {
        server = await startServer({ env: { SHIPLOG_ADMIN_TOKEN: '' } });
        const token = /(shp_[A-Za-z0-9_-]{43})/.exec(printed.join(''))?.[1];
        expect(token).toBeDefined();
        expect((await server.request('GET', '/api/v1/tokens', undefined, bearer(token!))).body.items).toEqual([expect.objectContaining({ name: 'bootstrap-admin', role: 'admin' })]);
        expect((await server.request('GET', '/api/v1/tokens')).status).toBe(401);
        await server.stop();
        printed.length = 0;
        server = await startServer({ dataDir: server.dataDir, env: { SHIPLOG_ADMIN_TOKEN: '' } });
        expect(printed.join('')).not.toMatch(/shp_/);
      } finally {
        spy.mockRestore();
      }
    });

    it('SHIPLOG_AUTH=off accepts requests without a token and warns at start', async () => {
      const logger = capturingLogger();
      server = await startServer({ env: { SHIPLOG_AUTH: 'off', LOG_LEVEL: 'warn' }, logger });
      expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('SHIPLOG_AUTH=off'))).toBe(true);
      expect((await server.request('POST', '/deployment-events/', deployment, { authorization: '' })).status).toBe(201);
    });

    it('protects /docs unless SHIPLOG_DOCS_PUBLIC=true', async () => {
      server = await startServer();
      expect((await server.request('GET', '/docs/openapi.json', undefined, { authorization: '' })).status).toBe(401);
      expect((await server.request('GET', '/docs/openapi.json')).status).toBe(200);
      await server.stop();
      server = await startServer({ dataDir: server.dataDir, env: { SHIPLOG_DOCS_PUBLIC: 'true', SHIPLOG_METRICS_PUBLIC: 'true' } });
      expect((await server.request('GET', '/docs/openapi.json', undefined, { authorization: '' })).status).toBe(200);
      expect((await server.request('GET', '/metrics', undefined, { authorization: '' })).status).toBe(200);
    });

    it('refuses a short SHIPLOG_ADMIN_TOKEN at start', () => {
      expect(() => loadConfig({ SHIPLOG_ADMIN_TOKEN: 'short' })).toThrow(/at least 32 characters/);
      server = { stop: async () => undefined, dataDir: '/nonexistent-shiplog-test' } as unknown as RunningServer;
    });
  });

  it('uses the static admin token for automation', async () => {
    server = await startServer();
    expect((await server.request('GET', '/api/v1/tokens', undefined, bearer(TEST_ADMIN_TOKEN))).status).toBe(200);
  });
});
