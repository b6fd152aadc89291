import { Command, Option } from 'commander';
import { createReadStream, existsSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordedEvent } from '../../../libs/event-store/event-store.port';
import { ChainVerifier, type ChainBreak } from '../../../libs/event-store/hash-chain';
import { verifySqliteStore } from '../../../libs/event-store/sqlite/verify-sqlite';
import { CliExit, EXIT_REJECTED, EXIT_UNREACHABLE } from '../exit';
import type { CliIo } from '../program';
import { withServerOptions, type ServerOptions } from './server-call';

export const EXIT_TAMPERED = 4;

/** Verifies an NDJSON export line by line; a line that does not parse is a broken link at its line number. */
const verifyLines = async (lines: AsyncIterable<string>): Promise<{ checked: number; broken: ChainBreak | null }> => {
  const verifier = new ChainVerifier();
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (!line.trim()) continue;
    let event: RecordedEvent;
    try {
      event = JSON.parse(line) as RecordedEvent;
    } catch {
      return { checked: verifier.checked, broken: { stream: '?', revision: -1, reason: `line ${number} is not valid JSON` } };
    }
    const broken = verifier.check(event);
    if (broken) return { checked: verifier.checked, broken };
  }
  return { checked: verifier.checked, broken: null };
};

const exportResponse = async (options: ServerOptions & { format?: string; from?: string; to?: string }): Promise<Response> => {
  const url = new URL('/api/v1/audit/export', options.url);
  for (const key of ['format', 'from', 'to'] as const) if (options[key]) url.searchParams.set(key, options[key]!);
  let response: Response;
  try {
    response = await fetch(url, { headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  } catch (error) {
    throw new CliExit(EXIT_UNREACHABLE, `shiplog: cannot reach ${options.url}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (!response.ok || !response.body) throw new CliExit(EXIT_REJECTED, `shiplog: HTTP ${response.status}: ${await response.text()}\n`);
  return response;
};

const report = (io: CliIo, source: string, result: { checked: number; broken: ChainBreak | null }): void => {
  if (!result.broken) return void io.out(`✔ ${result.checked} events from ${source} verified: every hash chain is intact\n`);
  const { stream, revision, reason } = result.broken;
  throw new CliExit(EXIT_TAMPERED, `✘ ${source}: the chain breaks at stream ${stream}, revision ${revision}: ${reason} (${result.checked} events before it verified)\n`);
};

/** `shiplog audit export|verify`: tamper-evident exports, checked offline. */
export const auditCommand = (io: CliIo): Command => {
  const audit = new Command('audit').description('export the event history and verify its hash chains');

  audit.addCommand(
    withServerOptions(new Command('export').description('download the event history (auditor token)'))
      .addOption(new Option('--format <format>', 'ndjson or csv').choices(['ndjson', 'csv']).default('ndjson'))
      .option('--from <instant>', 'events recorded at or after this instant')
      .option('--to <instant>', 'events recorded before this instant')
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .action(async (options: ServerOptions & { format: string; from?: string; to?: string; output?: string }) => {
        const response = await exportResponse(options);
        const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
        if (options.output) await pipeline(body, createWriteStream(options.output));
        else for await (const chunk of body) io.out(String(chunk));
      }),
  );

  audit.addCommand(
    withServerOptions(new Command('verify').description('verify hash chains: of an NDJSON export (offline), a data dir, or the server'))
      .argument('[file]', 'an NDJSON export')
      .option('--data-dir <dir>', "verify a data dir's events.db as stored")
      .option('--server', 'download the export from SHIPLOG_URL and verify it')
      .action(async (file: string | undefined, options: ServerOptions & { dataDir?: string; server?: boolean }) => {
        const sources = [file, options.dataDir, options.server].filter(Boolean).length;
        if (sources !== 1) throw new CliExit(1, 'shiplog: give exactly one of <file>, --data-dir <dir> or --server\n');
        if (options.dataDir) {
          const events = join(resolve(options.dataDir), 'events.db');
          if (!existsSync(events)) throw new CliExit(EXIT_REJECTED, `shiplog: no Shiplog event store in ${options.dataDir} (expected events.db)\n`);
          return report(io, events, verifySqliteStore(events, (checked) => io.err(`  ${checked} events checked…\r`)));
        }
        if (options.server) {
          const response = await exportResponse({ ...options, format: 'ndjson' });
          const lines = createInterface({ input: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), crlfDelay: Infinity });
          return report(io, options.url, await verifyLines(lines));
        }
        if (!existsSync(file!)) throw new CliExit(EXIT_REJECTED, `shiplog: no such file: ${file}\n`);
        return report(io, file!, await verifyLines(createInterface({ input: createReadStream(file!), crlfDelay: Infinity })));
      }),
  );
  return audit;
};
