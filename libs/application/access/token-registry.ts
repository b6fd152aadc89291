import type { Role } from '../../domain/access/roles';
import { ACCESS_STREAM, type AccessEvent } from '../../domain/access/token.events';
import { evolveAccess, initialAccessState, type AccessState, type TokenRecord } from '../../domain/access/tokens.decider';
import type { Clock } from '../../domain/shared/time';
import type { EventStore } from '../../event-store/event-store.port';
import { ENV_ADMIN, type Principal } from './principal';
import { sameDigest, secretDigest } from './token-secret';

export type AuthFailure = 'unknown-token' | 'revoked-token' | 'expired-token';
export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

/**
 * The tokens, folded from the `access` stream. Every authentication first reads the events appended since
 * the last check (usually none), so a revocation takes effect on the very next request, also when it was
 * made by another process (the offline CLI).
 */
export class TokenRegistry {
  private state: AccessState = initialAccessState;
  private revision = -1;
  private byHash = new Map<string, TokenRecord>();
  /** SHIPLOG_ADMIN_TOKEN's digest, if set: the token itself is not kept. */
  private readonly envAdminDigest: Buffer | null;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    envAdminToken: string | undefined,
  ) {
    this.envAdminDigest = envAdminToken === undefined ? null : secretDigest(envAdminToken);
  }

  async refresh(): Promise<AccessState> {
    const { events } = await this.store.readStream(ACCESS_STREAM, { fromRevision: this.revision + 1 });
    if (events.length === 0) return this.state;
    this.state = (events as unknown as AccessEvent[]).reduce(evolveAccess, this.state);
    this.revision = events[events.length - 1]!.revision;
    this.byHash = new Map(Object.values(this.state.tokens).map((token) => [token.hash, token]));
    return this.state;
  }

  async authenticate(secret: string): Promise<AuthResult> {
    // One digest per request: compared with the environment's admin token, then looked up among the stored hashes.
    const digest = secretDigest(secret);
    if (this.envAdminDigest !== null && sameDigest(digest, this.envAdminDigest)) return { ok: true, principal: { ...ENV_ADMIN, scope: {} } };
    await this.refresh();
    const token = this.byHash.get(digest.toString('hex'));
    if (!token) return { ok: false, reason: 'unknown-token' };
    if (token.revoked_at) return { ok: false, reason: 'revoked-token' };
    if (token.expires_at && token.expires_at <= this.clock.now().toISOString()) return { ok: false, reason: 'expired-token' };
    return { ok: true, principal: { tokenId: token.token_id, name: token.name, role: token.role, scope: token.scope, source: 'token' } };
  }

  /** The role a Slack user acts with, or null when unmapped. */
  async slackRole(slackUserId: string): Promise<Role | null> {
    return (await this.refresh()).slackUsers[slackUserId] ?? null;
  }

  async tokens(): Promise<TokenRecord[]> {
    return Object.values((await this.refresh()).tokens);
  }
}
