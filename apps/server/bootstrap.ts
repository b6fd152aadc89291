import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { packageVersion } from '../cli/package-info';
import { AppModule } from './app.module';
import type { ServerConfig } from './config';
import { ProblemFilter } from './problems/problem.filter';
import { StrictValidationPipe } from './problems/validation';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the Nest app on Fastify with Shiplog's error handling; `listen` is left to the caller. */
export const createApp = async (config: ServerConfig): Promise<NestFastifyApplication> => {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    // Slow clients cannot hold a connection open forever.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: (['error', 'warn', 'log', 'debug', 'verbose'] as const).slice(0, ['error', 'warn', 'log', 'debug', 'verbose'].indexOf(config.logLevel) + 1),
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching validation as a string.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new StrictValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Shiplog API')
      .setDescription('Deployment ledger and control plane. Errors are RFC 9457 application/problem+json with the offending fields.')
      .setVersion(packageVersion())
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
};
