import { assertNever } from '../shared/assert-never';
import { DomainError } from '../shared/domain-error';
import type { Role } from './roles';
import type { AccessEvent, TokenIssued, TokenScope } from './token.events';

export type IssueToken = {
  type: 'IssueToken';
  data: { token_id: string; name: string; role: Role; prefix: string; hash: string; scope: TokenScope; expires_at?: string };
};
export type RevokeToken = { type: 'RevokeToken'; data: { token_id: string } };
export type MapSlackUser = { type: 'MapSlackUser'; data: { slack_user_id: string; role: Role | null } };
export type AccessCommand = IssueToken | RevokeToken | MapSlackUser;

export type TokenRecord = TokenIssued['data'] & { revoked_at: string | null };
export type AccessState = { readonly tokens: Readonly<Record<string, TokenRecord>>; readonly slackUsers: Readonly<Record<string, Role>> };
export const initialAccessState: AccessState = { tokens: {}, slackUsers: {} };

export class TokenNotFound extends DomainError {
  readonly code = 'token-not-found';
  constructor(tokenId: string) {
    super(`No token with id ${tokenId}.`, [{ field: 'id', message: 'unknown token' }]);
  }
}

export class ExpiryInThePast extends DomainError {
  readonly code = 'invalid-expiry';
  constructor(expiresAt: string) {
    super(`expires_at ${expiresAt} is not in the future.`, [{ field: 'expires_at', message: 'must be in the future' }]);
  }
}

export const decideAccess = (command: AccessCommand, state: AccessState, now: Date): AccessEvent[] => {
  const at = now.toISOString();
  switch (command.type) {
    case 'IssueToken': {
      if (command.data.expires_at !== undefined && command.data.expires_at <= at) throw new ExpiryInThePast(command.data.expires_at);
      return [{ type: 'token.issued', data: { ...command.data, issued_at: at } }];
    }
    case 'RevokeToken': {
      const token = state.tokens[command.data.token_id];
      if (!token) throw new TokenNotFound(command.data.token_id);
      // Revoking twice is a no-op: DELETE is idempotent.
      return token.revoked_at ? [] : [{ type: 'token.revoked', data: { token_id: token.token_id, revoked_at: at } }];
    }
    case 'MapSlackUser': {
      const { slack_user_id, role } = command.data;
      const current = state.slackUsers[slack_user_id] ?? null;
      if (current === role) return [];
      return role === null
        ? [{ type: 'slack.user_unmapped', data: { slack_user_id, unmapped_at: at } }]
        : [{ type: 'slack.user_mapped', data: { slack_user_id, role, mapped_at: at } }];
    }
    default:
      return assertNever(command);
  }
};

export const evolveAccess = (state: AccessState, event: AccessEvent): AccessState => {
  switch (event.type) {
    case 'token.issued':
      return { ...state, tokens: { ...state.tokens, [event.data.token_id]: { ...event.data, revoked_at: null } } };
    case 'token.revoked': {
      const token = state.tokens[event.data.token_id];
      return token ? { ...state, tokens: { ...state.tokens, [token.token_id]: { ...token, revoked_at: event.data.revoked_at } } } : state;
    }
    case 'slack.user_mapped':
      return { ...state, slackUsers: { ...state.slackUsers, [event.data.slack_user_id]: event.data.role } };
    case 'slack.user_unmapped': {
      const { [event.data.slack_user_id]: _gone, ...slackUsers } = state.slackUsers;
      return { ...state, slackUsers };
    }
    default:
      return assertNever(event);
  }
};

/** Whether a scope admits a product/environment (undefined = the request names none). */
export const scopeAdmits = (scope: TokenScope, target: { product?: string | undefined; environment?: string | undefined }): boolean =>
  (!scope.products || target.product === undefined || scope.products.includes(target.product)) &&
  (!scope.environments || target.environment === undefined || scope.environments.includes(target.environment));

export const isScoped = (scope: TokenScope): boolean => scope.products !== undefined || scope.environments !== undefined;
