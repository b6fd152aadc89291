import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isValidSlackRequest } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { PROBLEM_CONTENT_TYPE, problemOf } from '../problems/problem';
import { SlackGateway } from './slack.gateway';

/** Slack sends JSON (events) or form bodies (buttons: `payload=<json>`; slash commands: fields). */
const parseSlackBody = (raw: string, contentType: string | undefined): Record<string, unknown> => {
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const form = new URLSearchParams(raw);
  const payload = form.get('payload');
  return payload ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(form.entries());
};

/**
 * POST /slack/events, outside Nest's pipeline: its signature is an HMAC over the raw body, so it gets its own
 * Fastify scope with a raw-string body parser (no other route is affected). Requests are verified with the
 * signing secret (v0 HMAC, 5-minute timestamp window) before Bolt sees them; bad or stale ones get a 401.
 */
export const registerSlackEvents = (app: NestFastifyApplication): void => {
  const config = app.get<ServerConfig>(SERVER_CONFIG);
  const gateway = app.get(SlackGateway);
  void app
    .getHttpAdapter()
    .getInstance()
    .register(async (scope: FastifyInstance) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      scope.post('/slack/events', async (request, reply) => {
        const problem = (code: 'not-found' | 'invalid-slack-signature' | 'validation-failed', detail: string) => {
          const body = problemOf(code, detail, request.url);
          return reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
        };
        if (!config.slack) return problem('not-found', 'Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.');
        const raw = typeof request.body === 'string' ? request.body : '';
        const signature = request.headers['x-slack-signature'];
        const timestamp = Number(request.headers['x-slack-request-timestamp']);
        const valid =
          typeof signature === 'string' &&
          Number.isFinite(timestamp) &&
          isValidSlackRequest({ signingSecret: config.slack.signingSecret, body: raw, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } });
        if (!valid) return problem('invalid-slack-signature', 'The request is not signed with this app’s signing secret, or its timestamp is more than 5 minutes off.');
        let body: Record<string, unknown>;
        try {
          body = parseSlackBody(raw, request.headers['content-type']);
        } catch {
          return problem('validation-failed', 'The Slack request body could not be parsed.');
        }
        if (body['type'] === 'url_verification') return reply.send({ challenge: body['challenge'] });
        const ack = await gateway.dispatch(body);
        return ack === undefined ? reply.status(200).send('') : reply.status(200).send(ack);
      });
    });
};
