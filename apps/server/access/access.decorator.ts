import { SetMetadata } from '@nestjs/common';
import type { RouteAccess } from '../../../libs/domain/access/roles';
import type { ServerConfig } from '../config';

/**
 * Where a route names the product and environment it concerns, for scoped tokens:
 * - a path like `body.product_name`, `query.product` or `params.env` (read before the handler runs);
 * - `resource`: the handler loads the resource and checks (`assertInScope`);
 * - `none`: the route concerns no single product or environment (lists of names, metrics, tokens).
 */
export type ScopeSource = 'none' | 'resource' | { product?: string; environment?: string };

export type AccessRule = { role: RouteAccess | ((config: ServerConfig) => RouteAccess); scope: ScopeSource; scopedTokens?: 'allowed' | 'refused' };

export const ACCESS_METADATA = 'shiplog:access';

/** Every route declares who may call it; a route without this fails the start (and so every test). */
export const Access = (role: AccessRule['role'], scope: ScopeSource = 'none', options: { scopedTokens?: 'allowed' | 'refused' } = {}) =>
  SetMetadata(ACCESS_METADATA, { role, scope, ...options } satisfies AccessRule);
