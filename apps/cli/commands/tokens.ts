import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { TokensService } from '../../../libs/application/access/tokens.service';
import { isRole, ROLES, type Role } from '../../../libs/domain/access/roles';
import { systemClock, uuidv7Generator } from '../../../libs/event-store/ids';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import { CliExit, EXIT_REJECTED } from '../exit';
import type { CliIo } from '../program';
import { callServer, withServerOptions, type ServerOptions } from './server-call';

type CreateOptions = ServerOptions & { name: string; role: Role; product?: string[]; environment?: string[]; expiresAt?: string; dataDir?: string };

type TokenRow = { id: string; name: string; role: string; prefix: string; products: string[] | null; environments: string[] | null; created_at: string; revoked_at: string | null; last_used_at: string | null; expires_at: string | null };

const role = (value: string): Role => {
  if (!isRole(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return value;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

const shownOnce = (io: CliIo, token: string, id: string, role: string) =>
  io.out(`Created token ${id} (${role}). Store it now: it is shown only this once.\n\n  ${token}\n\n`);

/** Recovery path: writes the token straight into a data dir, no server needed (safe while one runs on it). */
const createOffline = async (io: CliIo, options: CreateOptions): Promise<void> => {
  const dir = resolve(options.dataDir!);
  if (!existsSync(join(dir, 'events.db'))) throw new CliExit(EXIT_REJECTED, `shiplog: no Shiplog event store in ${dir} (expected events.db)\n`);
  const store = SqliteEventStore.open({ file: join(dir, 'events.db') });
  try {
    const ids = uuidv7Generator();
    const service = new TokensService(store, systemClock, ids, new TokenRegistry(store, systemClock, undefined));
    const scope = { ...(options.product ? { products: options.product } : {}), ...(options.environment ? { environments: options.environment } : {}) };
    const { token, record } = await service.issue(
      { name: options.name, role: options.role, scope, ...(options.expiresAt ? { expires_at: new Date(options.expiresAt).toISOString() } : {}) },
      { actor: { kind: 'system', id: 'system:cli', name: 'shiplog tokens create --data-dir' }, correlationId: `cli-${ids.next()}` },
    );
    shownOnce(io, token, record.token_id, record.role);
  } finally {
    await store.close();
  }
};

export const tokensCommand = (io: CliIo): Command => {
  const tokens = new Command('tokens').description('create, list and revoke API tokens (admin)');

  tokens.addCommand(
    withServerOptions(new Command('create').description('create a token and print its secret once'))
      .requiredOption('--name <name>', 'what the token is for, e.g. github-actions')
      .addOption(new Option('--role <role>', `one of ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory())
      .option('--product <name>', 'limit the token to this product (repeatable)', collect)
      .option('--environment <name>', 'limit the token to this environment (repeatable)', collect)
      .option('--expires-at <instant>', 'expiry, ISO 8601')
      .option('--data-dir <dir>', 'write directly into this data dir instead of calling the server (recovery)')
      .action(async (options: CreateOptions) => {
        if (options.dataDir) return createOffline(io, options);
        const body = {
          name: options.name,
          role: options.role,
          ...(options.product ? { products: options.product } : {}),
          ...(options.environment ? { environments: options.environment } : {}),
          ...(options.expiresAt ? { expires_at: options.expiresAt } : {}),
        };
        const created = (await callServer(io, options, 'POST', '/api/v1/tokens', body)) as TokenRow & { token: string };
        shownOnce(io, created.token, created.id, created.role);
      }),
  );

  tokens.addCommand(
    withServerOptions(new Command('list').description('list tokens (never their secrets)'))
      .option('--json', 'print JSON')
      .action(async (options: ServerOptions & { json?: boolean }) => {
        const { items } = (await callServer(io, options, 'GET', '/api/v1/tokens')) as { items: TokenRow[] };
        if (options.json) return io.out(`${JSON.stringify(items)}\n`);
        const rows = items.map((t) => [
          t.id,
          t.name,
          t.role,
          `${t.prefix}…`,
          [t.products && `products: ${t.products.join(',')}`, t.environments && `environments: ${t.environments.join(',')}`].filter(Boolean).join(' ') || 'all',
          t.revoked_at ? `revoked ${t.revoked_at}` : t.expires_at && t.expires_at < new Date().toISOString() ? 'expired' : 'active',
          t.last_used_at ?? 'never',
        ]);
        const table = [['ID', 'NAME', 'ROLE', 'PREFIX', 'SCOPE', 'STATUS', 'LAST USED'], ...rows];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
        io.out(table.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
      }),
  );

  tokens.addCommand(
    withServerOptions(new Command('revoke').description('revoke a token; it is refused from the next request on'))
      .argument('<id>', 'token id (see "shiplog tokens list")')
      .action(async (id: string, options: ServerOptions) => {
        await callServer(io, options, 'DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
        io.out(`Revoked token ${id}.\n`);
      }),
  );
  return tokens;
};
