import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackCall = { method: string; args: Record<string, unknown>; at: number };
export type PostedMessage = { channel: string; ts: string; text: string; blocks: unknown; metadata: unknown; thread_ts?: string };

export type FakeSlackApi = {
  /** Base URL for Bolt/WebClient's `slackApiUrl` (ends with /api/). */
  url: string;
  calls: SlackCall[];
  messages: PostedMessage[];
  callsTo(method: string): SlackCall[];
  /** The next `times` calls to `method` answer 429 with Retry-After: `retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  close(): Promise<void>;
};

const parse = (raw: string, contentType: string | undefined): Record<string, unknown> => {
  if (contentType?.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return Object.fromEntries(
    [...new URLSearchParams(raw).entries()].map(([key, value]) => {
      try {
        return [key, /^[[{]/.test(value) ? JSON.parse(value) : value];
      } catch {
        return [key, value];
      }
    }),
  );
};

/**
 * A local stand-in for Slack's Web API, started by a test on 127.0.0.1:0: records chat.postMessage,
 * chat.update, chat.postEphemeral, answers conversations.history from what was posted, and can answer 429.
 */
export const startFakeSlackApi = async (): Promise<FakeSlackApi> => {
  const calls: SlackCall[] = [];
  const messages: PostedMessage[] = [];
  const limits = new Map<string, { retryAfter: number; times: number }>();
  let next = 1;

  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const args = parse(raw, request.headers['content-type']);
      const reply = (body: Record<string, unknown>) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const limit = limits.get(method);
      if (limit && limit.times > 0) {
        limit.times -= 1;
        calls.push({ method: `${method}:429`, args, at: Date.now() });
        return response.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' }).end('{"ok":false,"error":"ratelimited"}');
      }
      calls.push({ method, args, at: Date.now() });
      switch (method) {
        case 'auth.test':
          return reply({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
        case 'chat.postMessage': {
          const message: PostedMessage = {
            channel: String(args['channel']),
            ts: `${1_700_000_000 + next++}.000100`,
            text: String(args['text'] ?? ''),
            blocks: args['blocks'],
            metadata: args['metadata'],
            ...(args['thread_ts'] ? { thread_ts: String(args['thread_ts']) } : {}),
          };
          messages.push(message);
          return reply({ ok: true, channel: message.channel, ts: message.ts, message });
        }
        case 'chat.update': {
          const message = messages.find((m) => m.channel === args['channel'] && m.ts === args['ts']);
          if (!message) return reply({ ok: false, error: 'message_not_found' });
          message.text = String(args['text'] ?? message.text);
          message.blocks = args['blocks'] ?? message.blocks;
          return reply({ ok: true, channel: message.channel, ts: message.ts });
        }
        case 'chat.postEphemeral':
          return reply({ ok: true, message_ts: `${Date.now() / 1000}` });
        case 'conversations.history':
          return reply({ ok: true, messages: messages.filter((m) => m.channel === args['channel'] && !m.thread_ts).reverse() });
        default:
          return reply({ ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    callsTo: (method) => calls.filter((c) => c.method === method),
    rateLimit: (method, retryAfterSeconds, times = 1) => void limits.set(method, { retryAfter: retryAfterSeconds, times }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** Slack's v0 request signature: HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the signing secret. */
export const slackSignature = (secret: string, body: string, timestamp: number): Record<string, string> => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
});
