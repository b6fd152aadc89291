/** The dashboard talks only to Shiplog's public API, with the token the user signed in with (kept in session storage). */
const TOKEN_KEY = 'shiplog.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export type FieldError = { field: string; message: string; accepted?: string[] };
/** An RFC 9457 problem answered by the API, shown to the user as it is. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail || title);
  }
}

type Listener = () => void;
const signedOut = new Set<Listener>();
/** Called when the API refuses the token (revoked, expired): the app goes back to the sign-in page. */
export const onSignedOut = (listener: Listener): (() => void) => {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
};

const headers = (extra: Record<string, string> = {}): Record<string, string> => {
  const current = token.get();
  return { ...(current ? { authorization: `Bearer ${current}` } : {}), ...extra };
};

const problemOf = async (response: Response): Promise<ApiProblem> => {
  const body = (await response.json().catch(() => ({}))) as { title?: string; detail?: string; errors?: FieldError[] };
  return new ApiProblem(response.status, body.title ?? response.statusText, body.detail ?? '', body.errors ?? []);
};

export const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: headers(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (response.status === 401) {
    const problem = await problemOf(response);
    for (const listener of signedOut) listener();
    throw problem;
  }
  if (!response.ok) throw await problemOf(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
};

/** A file download through the API (the token goes in a header, never in a URL). */
export const download = async (path: string, filename: string): Promise<void> => {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await problemOf(response);
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

export type StreamMessage = { event: string; data: string };

/**
 * Server-Sent Events read with fetch (EventSource cannot send an Authorization header). Reconnects after a drop
 * until `signal` aborts; `onOpen` runs on every (re)connection so the caller can refresh what it shows.
 */
export const stream = (path: string, onMessage: (message: StreamMessage) => void, signal: AbortSignal, onOpen: () => void = () => undefined): void => {
  const connect = async (): Promise<void> => {
    const response = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal });
    if (!response.ok || !response.body) throw await problemOf(response);
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
        if (!block.startsWith(':')) onMessage({ event, data });
      }
    }
  };
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        await connect();
      } catch (error) {
        if (signal.aborted || (error instanceof ApiProblem && error.status === 401)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void loop();
};

/** The server's own role rule (a pure domain module, bundled in): buttons show only for roles the API lets through. */
export { roleAllows, type Role } from '../../../libs/domain/access/roles';
import type { Role } from '../../../libs/domain/access/roles';

export type Me = { id: string; name: string; role: Role; scope: { products?: string[]; environments?: string[] } };
