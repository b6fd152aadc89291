import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { packageVersion } from '../cli/package-info';
import { TokenRegistry } from '../../libs/application/access/token-registry';
import { CHALLENGE, credentialsOf } from './access/access.guard';
import { AppModule } from './app.module';
import { ShiplogMetrics } from './metrics/metrics';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problems/problem';
import type { ServerConfig } from './config';
import { ProblemFilter } from './problems/problem.filter';
import { StrictValidationPipe } from './problems/validation';
import { registerSlackEvents } from './slack/slack-events.route';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Latency of every request by method, route pattern (not the raw URL: bounded label values) and status. */
const measureHttp = (app: NestFastifyApplication): void => {
  const metrics = app.get(ShiplogMetrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
};

/** /docs is served by Fastify directly (not a Nest route), so the guard does not see it: any valid token opens it. */
const protectDocs = (app: NestFastifyApplication): void => {
  const registry = app.get(TokenRegistry);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/docs')) return;
      const credentials = credentialsOf(request);
      const result = 'secret' in credentials ? await registry.authenticate(credentials.secret) : { ok: false as const, reason: credentials.failure };
      if (result.ok) return;
      const problem = problemOf(result.reason, 'The API documentation needs a token (or SHIPLOG_DOCS_PUBLIC=true).', request.url);
      return reply.status(problem.status).headers({ ...CHALLENGE, 'content-type': PROBLEM_CONTENT_TYPE }).send(problem);
    });
};

/**
 * Closing the server stops new connections and closes idle ones at once, then waits for the requests in flight; those
 * get `graceMs` before their connections are closed, so a client that never finishes its request (a stalled upload)
 * cannot hold a shutdown up (it would otherwise last until the request timeout).
 */
const boundShutdown = (app: NestFastifyApplication, graceMs: number): void => {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preClose', (done) => {
    const server = fastify.server;
    const timer = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    server.once('close', () => clearTimeout(timer));
    done();
  });
};

/** Builds the Nest app on Fastify with Shiplog's error handling; `listen` is left to the caller. */
export const createApp = async (config: ServerConfig, logger?: LoggerService): Promise<NestFastifyApplication> => {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    // Slow clients cannot hold a connection open forever.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
  });
  const levels = (['error', 'warn', 'log', 'debug', 'verbose'] as const).slice(0, ['error', 'warn', 'log', 'debug', 'verbose'].indexOf(config.logLevel) + 1);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger: logger ?? levels });
  // JSON only: a text/plain body is refused with 415 instead of reaching validation as a string.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  // Artifact uploads: the body stays a stream, written to disk as it arrives (size checked while streaming).
  app.getHttpAdapter().getInstance().addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new StrictValidationPipe());
  app.enableShutdownHooks();
  boundShutdown(app, config.shutdownGraceMs);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Shiplog API')
      .setDescription('Deployment ledger and control plane. Errors are RFC 9457 application/problem+json with the offending fields.')
      .setVersion(packageVersion())
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  if (config.authEnabled && !config.docsPublic) protectDocs(app);
  registerSlackEvents(app);
  measureHttp(app);
  return app;
};
