import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../libs/domain/shared/domain-error';
import { WrongExpectedRevision } from '../../../libs/event-store/errors';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemOf, type ProblemDetails } from './problem';
import type { ProblemCode } from './problem-map';

type FastifyError = Error & { statusCode?: number; code?: string };

const HTTP_STATUS_CODES: Partial<Record<number, ProblemCode>> = {
  400: 'validation-failed',
  429: 'rate-limited',
  404: 'not-found',
  409: 'conflict',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  503: 'service-unavailable',
};

/** Fastify's own errors (raised before Nest sees the request) by their error codes. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation-failed',
};

const logger = new Logger('Problems');

/** Turns anything thrown while serving a request into problem+json. Client mistakes are 4xx, never 5xx. */
export const toProblem = (thrown: unknown, instance: string): ProblemDetails => {
  // Nest wraps Fastify's own 4xx errors (bad JSON, media type, body size) in an HttpException with the original as cause.
  const error = thrown instanceof HttpException && (thrown.cause as FastifyError | undefined)?.code ? thrown.cause : thrown;
  if (error instanceof DomainError) return problemOf(error.code, error.detail, instance, error.errors);
  if (error instanceof ProblemException) return problemOf(error.code, error.detail, instance, error.errors);
  if (error instanceof WrongExpectedRevision) return problemOf('concurrency-conflict', 'The resource changed while the request was processed; retry it.', instance);
  if (error instanceof HttpException) {
    const code = HTTP_STATUS_CODES[error.getStatus()];
    if (code) return problemOf(code, error.message, instance);
  }
  const fastifyCode = (error as FastifyError | null)?.code;
  if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
    const code = FASTIFY_CODES[fastifyCode];
    return problemOf(code, describeFastifyError(code, error as FastifyError), instance);
  }
  if (isClientAbort(error)) {
    // The client went away (a cancelled upload, a killed CI job): nobody will read the answer, and nothing failed here.
    logger.warn(`${instance}: the client closed the connection before its request body arrived`);
    return problemOf('validation-failed', 'The request body ended before its announced length.', instance);
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return problemOf('internal-error', 'An unexpected error occurred; it has been logged.', instance);
};

/**
 * Node's error for a request whose connection closed while its body was being read. Not checked with instanceof: Node's
 * own Error class may belong to another realm than this module's (as under Jest).
 */
const isClientAbort = (error: unknown): boolean => {
  const { message, code } = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; code?: unknown };
  return message === 'aborted' && code === 'ECONNRESET';
};

const describeFastifyError = (code: ProblemCode, error: FastifyError): string => {
  switch (code) {
    case 'malformed-json':
      return `The request body is not valid JSON: ${error.message}`;
    case 'unsupported-media-type':
      return 'Send the request body as JSON with Content-Type: application/json.';
    case 'payload-too-large':
      return 'The request body exceeds the 1 MiB limit.';
    default:
      return error.message;
  }
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(error, request.url);
    const reply = http.getResponse<FastifyReply>();
    if (error instanceof ProblemException) void reply.headers(error.headers);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }
}
