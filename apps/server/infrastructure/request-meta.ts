import type { FastifyRequest } from 'fastify';
import { actorOf } from '../../../libs/application/access/principal';
import type { CommandMeta } from '../../../libs/application/shared/command-meta';
import { principalOf } from '../access/principal.request';
import { ProblemException } from '../problems/problem';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The client's idempotency key: the `Idempotency-Key` header, or Versioner's `event_id` body field.
 * Scoped by endpoint so the same key on two endpoints names two different requests.
 */
export const idempotencyKeyOf = (request: FastifyRequest, scope: string, eventId: string | undefined): string | undefined => {
  const header = request.headers['idempotency-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && !KEY_PATTERN.test(fromHeader)) {
    throw new ProblemException('validation-failed', 'Idempotency-Key must be 1–255 printable ASCII characters.', [
      { field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters' },
    ]);
  }
  if (fromHeader !== undefined && eventId !== undefined && fromHeader !== eventId) {
    throw new ProblemException('validation-failed', 'The Idempotency-Key header and event_id differ; send one of them, or the same value in both.', [
      { field: 'event_id', message: 'differs from the Idempotency-Key header' },
    ]);
  }
  const key = fromHeader ?? eventId;
  return key === undefined ? undefined : `${scope}:${key}`;
};

export const commandMetaOf = (request: FastifyRequest, idempotencyKey?: string): CommandMeta => {
  const correlation = request.headers['x-correlation-id'];
  return {
    actor: actorOf(principalOf(request)),
    correlationId: (Array.isArray(correlation) ? correlation[0] : correlation) ?? String(request.id),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  };
};
