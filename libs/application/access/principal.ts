import type { Role } from '../../domain/access/roles';
import type { TokenScope } from '../../domain/access/token.events';
import type { Actor } from '../../event-store/event-store.port';

/** Who is calling: a stored token, the SHIPLOG_ADMIN_TOKEN from the environment, or anyone when auth is off. */
export type Principal = { tokenId: string; name: string; role: Role; scope: TokenScope; source: 'token' | 'environment' | 'auth-off' };

export const actorOf = (principal: Principal): Actor => ({
  kind: principal.source === 'auth-off' ? 'anonymous' : 'token',
  id: principal.tokenId,
  name: principal.name,
});

export const ENV_ADMIN: Omit<Principal, 'scope'> = { tokenId: 'env:SHIPLOG_ADMIN_TOKEN', name: 'SHIPLOG_ADMIN_TOKEN', role: 'admin', source: 'environment' };
export const AUTH_OFF: Principal = { tokenId: 'anonymous', name: 'anonymous (SHIPLOG_AUTH=off)', role: 'admin', scope: {}, source: 'auth-off' };
