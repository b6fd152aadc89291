import type { DomainEvent } from '../shared/event';
import type { Role } from './roles';

/** Optional limits of a token to some products and/or environments (absent = all). */
export type TokenScope = { products?: string[]; environments?: string[] };

/** Only the SHA-256 of a token is ever recorded; the secret exists once, in the creation response. */
export type TokenIssued = DomainEvent<
  'token.issued',
  { token_id: string; name: string; role: Role; prefix: string; hash: string; scope: TokenScope; issued_at: string; expires_at?: string }
>;
export type TokenRevoked = DomainEvent<'token.revoked', { token_id: string; revoked_at: string }>;

/** A Slack user acting through buttons and slash commands gets a role, like a token. */
export type SlackUserMapped = DomainEvent<'slack.user_mapped', { slack_user_id: string; role: Role; mapped_at: string }>;
export type SlackUserUnmapped = DomainEvent<'slack.user_unmapped', { slack_user_id: string; unmapped_at: string }>;

export type AccessEvent = TokenIssued | TokenRevoked | SlackUserMapped | SlackUserUnmapped;
export const ACCESS_EVENT_TYPES: readonly AccessEvent['type'][] = ['token.issued', 'token.revoked', 'slack.user_mapped', 'slack.user_unmapped'];

export const ACCESS_STREAM = 'access';
