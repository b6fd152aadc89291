import type { Role } from '../../domain/access/roles';
import { ACCESS_STREAM, type TokenScope } from '../../domain/access/token.events';
import { decideAccess, evolveAccess, initialAccessState, type AccessCommand, type TokenRecord } from '../../domain/access/tokens.decider';
import type { Clock, IdGenerator } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import type { CommandMeta } from '../shared/command-meta';
import { executeOnStream, StreamStateCache } from '../shared/stream-command';
import { generateTokenSecret } from './token-secret';
import type { TokenRegistry } from './token-registry';

export type IssuedToken = { token: string; record: TokenRecord };
export type TokenRequest = { name: string; role: Role; scope?: TokenScope; expires_at?: string };

const ACCESS = { initialState: initialAccessState, evolve: evolveAccess };

/** Issues and revokes tokens. Used by the HTTP API, the first-start bootstrap and the offline CLI. */
export class TokensService {
  private readonly cache = new StreamStateCache(1);

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly registry: TokenRegistry,
  ) {}

  /** The secret is returned here and nowhere else, ever. */
  async issue(request: TokenRequest, meta: CommandMeta): Promise<IssuedToken> {
    const { secret, hash, prefix } = generateTokenSecret();
    const tokenId = this.ids.next();
    await this.execute(
      {
        type: 'IssueToken',
        data: { token_id: tokenId, name: request.name, role: request.role, prefix, hash, scope: request.scope ?? {}, ...(request.expires_at ? { expires_at: request.expires_at } : {}) },
      },
      meta,
    );
    const record = (await this.registry.tokens()).find((t) => t.token_id === tokenId)!;
    return { token: secret, record };
  }

  async revoke(tokenId: string, meta: CommandMeta): Promise<void> {
    await this.execute({ type: 'RevokeToken', data: { token_id: tokenId } }, meta);
  }

  /** Gives a Slack user a role (null removes the mapping). */
  async mapSlackUser(slackUserId: string, role: Role | null, meta: CommandMeta): Promise<void> {
    await this.execute({ type: 'MapSlackUser', data: { slack_user_id: slackUserId, role } }, meta);
  }

  private execute(command: AccessCommand, meta: CommandMeta) {
    return executeOnStream(this.store, this.cache, ACCESS_STREAM, ACCESS, (state) => decideAccess(command, state, this.clock.now()), meta);
  }
}
