import { Command, InvalidArgumentError, Option } from 'commander';
import { CliExit, EXIT_REJECTED, EXIT_UNREACHABLE } from '../exit';
import { describeProblem, requestJson, ServerUnreachable } from '../http-client';
import type { CliIo } from '../program';

export type ServerOptions = { url: string; token?: string; retries: number };

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
};

/** --url, --token and --retries, from SHIPLOG_URL and SHIPLOG_TOKEN by default. */
export const withServerOptions = (command: Command): Command =>
  command
    .addOption(new Option('--url <url>', 'Shiplog server').env('SHIPLOG_URL').default('http://localhost:8080'))
    .addOption(new Option('--token <token>', 'API token').env('SHIPLOG_TOKEN'))
    .addOption(new Option('--retries <n>', 'retries on network errors, 429 and 5xx').argParser(integer).default(5));

/** One API call: the parsed body on success; a CliExit with the server's problem detail otherwise. */
export const callServer = async (
  io: CliIo,
  options: ServerOptions,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> => {
  let response;
  try {
    response = await requestJson(
      {
        baseUrl: options.url,
        retries: options.retries,
        ...(options.token ? { token: options.token } : {}),
        onRetry: (attempt, reason, waitMs) => io.err(`shiplog: ${reason}; retry ${attempt}/${options.retries} in ${(waitMs / 1000).toFixed(1)} s\n`),
      },
      method,
      path,
      body,
      headers,
    );
  } catch (error) {
    if (error instanceof ServerUnreachable) throw new CliExit(EXIT_UNREACHABLE, `shiplog: ${error.message}\n`);
    throw error;
  }
  if (response.status >= 400) throw new CliExit(EXIT_REJECTED, `shiplog: rejected by the server\n${describeProblem(response.status, response.body)}\n`);
  return response.body;
};

/** `--wait` with `--timeout <seconds>` for commands that can follow what they started. */
export const withWait = (command: Command, what: string, defaultTimeoutSeconds: number): Command =>
  command.option('--wait', `wait until the ${what} finishes; exit non-zero unless it completed`).option('--timeout <seconds>', 'with --wait: give up after this long', String(defaultTimeoutSeconds));

/**
 * Polls `path` every second, printing each change of `describe` to stderr, until `outcome` says it finished:
 * `null` while running, `true` on success, else the failure (exit 2). Gives up (exit 2) after the timeout.
 */
export const pollUntilFinished = async <T>(
  io: CliIo,
  options: ServerOptions,
  path: string,
  watch: { name: string; describe: (resource: T) => string; outcome: (resource: T) => null | true | string },
  timeoutSeconds: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const resource = (await callServer(io, options, 'GET', path)) as T;
    const shown = watch.describe(resource);
    if (shown !== last) io.err(shown);
    last = shown;
    const outcome = watch.outcome(resource);
    if (outcome === true) return;
    if (outcome !== null) throw new CliExit(EXIT_REJECTED, `shiplog: ${watch.name} ${outcome}\n`);
    if (Date.now() > deadline) throw new CliExit(EXIT_REJECTED, `shiplog: ${watch.name} still running after ${timeoutSeconds} s: ${shown.trim()}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
};
