/** What the CLI needs from a server answer. */
export type ApiResponse = { status: number; body: unknown };

export type ClientOptions = {
  baseUrl: string;
  token?: string;
  /** Attempts after the first one, for network errors, 429 and 5xx. */
  retries: number;
  /** Backoff before retry n (1-based) when the server sent no Retry-After; tests shorten it. */
  backoffMs?: (attempt: number) => number;
  timeoutMs?: number;
  onRetry?: (attempt: number, reason: string, waitMs: number) => void;
};

export class ServerUnreachable extends Error {}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const defaultBackoff = (attempt: number) => Math.min(10_000, 500 * 2 ** (attempt - 1));

/** Retry-After in seconds or as an HTTP date; capped so a CI job never hangs for long. */
const retryAfterMs = (header: string | null): number | null => {
  if (header === null) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(60_000, Math.max(0, ms)) : null;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * JSON requests with retries on network errors, 429 and 5xx (exponential backoff, honouring Retry-After).
 * Callers pass an Idempotency-Key for writes, so a retry after a lost response never duplicates an event.
 */
export const requestJson = async (options: ClientOptions, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
  const url = new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  for (let attempt = 0; ; attempt += 1) {
    let reason: string;
    let wait: number | null = null;
    try {
      const response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text for the error message
      }
      if (!RETRYABLE.has(response.status) || attempt >= options.retries) return { status: response.status, body: parsed };
      reason = `HTTP ${response.status}`;
      wait = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      if (attempt >= options.retries) throw new ServerUnreachable(`cannot reach ${url.origin}: ${message}`);
      reason = message;
    }
    const waitMs = wait ?? (options.backoffMs ?? defaultBackoff)(attempt + 1);
    options.onRetry?.(attempt + 1, reason, waitMs);
    await sleep(waitMs);
  }
};

type Problem = { title?: string; detail?: string; errors?: { field: string; message: string; accepted?: string[] }[] };

/** A problem+json answer as lines a person can act on. */
export const describeProblem = (status: number, body: unknown): string => {
  if (typeof body !== 'object' || body === null) return `HTTP ${status}: ${String(body)}`;
  const problem = body as Problem;
  const lines = [`HTTP ${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim()];
  for (const error of problem.errors ?? []) {
    lines.push(`  ${error.field}: ${error.message}${error.accepted ? ` (accepted: ${error.accepted.join(', ')})` : ''}`);
  }
  return lines.join('\n');
};
