import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AUTH_OFF } from '../../../libs/application/access/principal';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { roleAllows } from '../../../libs/domain/access/roles';
import { isScoped, scopeAdmits } from '../../../libs/domain/access/tokens.decider';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { ShiplogMetrics } from '../metrics/metrics';
import { ProblemException } from '../problems/problem';
import type { ProblemCode } from '../problems/problem-map';
import { ACCESS_METADATA, type AccessRule } from './access.decorator';
import { outOfScope } from './principal.request';
import { RateWindow } from './rate-window';

export const CHALLENGE = { 'www-authenticate': 'Bearer realm="shiplog"' };

const DETAILS: Record<'missing-credentials' | 'malformed-credentials' | 'unknown-token' | 'revoked-token' | 'expired-token', string> = {
  'missing-credentials': 'This endpoint needs a token: send "Authorization: Bearer shp_…" or "X-API-Key: shp_…".',
  'malformed-credentials': 'The Authorization header must be "Bearer <token>" (or send the token as X-API-Key).',
  'unknown-token': 'The token is not known to this server.',
  'revoked-token': 'The token was revoked.',
  'expired-token': 'The token has expired.',
};

type Credentials = { secret: string } | { failure: 'missing-credentials' | 'malformed-credentials' };

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export const credentialsOf = (request: FastifyRequest): Credentials => {
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ? { secret: match[1] } : { failure: 'malformed-credentials' };
  }
  const apiKey = header(request, 'x-api-key');
  if (apiKey === undefined) return { failure: 'missing-credentials' };
  return apiKey.trim() ? { secret: apiKey.trim() } : { failure: 'malformed-credentials' };
};

const valueAt = (request: FastifyRequest, path: string): string | undefined => {
  const [source, ...keys] = path.split('.');
  let value: unknown = source === 'body' ? request.body : source === 'query' ? request.query : source === 'params' ? request.params : undefined;
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
};

/**
 * The one gate of every route: authenticates the token, checks the route's declared role and, for scoped
 * tokens, that the request stays within the token's products and environments.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Access');
  private readonly failuresByAddress: RateWindow;

  constructor(
    private readonly reflector: Reflector,
    private readonly registry: TokenRegistry,
    private readonly metrics: ShiplogMetrics,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {
    this.failuresByAddress = new RateWindow(config.authFailuresPerMinute, 60_000, Date.now);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_METADATA, context.getHandler());
    if (!rule) throw new ProblemException('forbidden-role', 'This route declares no access rule and is closed.');
    const role = typeof rule.role === 'function' ? rule.role(this.config) : rule.role;
    if (role === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.config.authEnabled) {
      request.principal = AUTH_OFF;
      return true;
    }

    const credentials = credentialsOf(request);
    const result = 'secret' in credentials ? await this.registry.authenticate(credentials.secret) : { ok: false as const, reason: credentials.failure };
    if (!result.ok) {
      // An address that keeps failing gets 429s; valid tokens from the same address (a shared NAT) still pass.
      const wait = this.failuresByAddress.retryAfter(request.ip);
      if (wait > 0) {
        throw new ProblemException('rate-limited', `Too many failed authentication attempts from this address; retry in ${wait} s.`, [], { 'retry-after': String(wait) });
      }
      this.failuresByAddress.hit(request.ip);
      this.metrics.authFailures.inc({ reason: result.reason });
      // Never log the presented secret, nor any part of it.
      this.logger.warn(`refused ${request.method} ${request.routeOptions.url ?? request.url} from ${request.ip}: ${result.reason}`);
      throw new ProblemException(result.reason as ProblemCode, DETAILS[result.reason], [{ field: 'Authorization', message: result.reason.replace('-', ' ') }], CHALLENGE);
    }

    const { principal } = result;
    if (!roleAllows(principal.role, role)) {
      throw new ProblemException('forbidden-role', `This action needs the ${role} role; token "${principal.name}" has the ${principal.role} role.`, [
        { field: 'Authorization', message: `role ${principal.role} is not enough`, accepted: role === 'auditor' ? ['auditor', 'admin'] : [role, 'admin'] },
      ]);
    }
    if (isScoped(principal.scope)) this.checkScope(rule, principal, request);
    request.principal = principal;
    return true;
  }

  private checkScope(rule: AccessRule, principal: NonNullable<FastifyRequest['principal']>, request: FastifyRequest): void {
    if (rule.scopedTokens === 'refused') throw outOfScope(principal, 'this action needs an unscoped token');
    if (rule.scope === 'none' || rule.scope === 'resource') return;
    const { product, environment } = rule.scope;
    const target = { product: product && valueAt(request, product), environment: environment && valueAt(request, environment) };
    // Only the dimensions this route is about must be named: a build concerns no environment.
    const missing = [
      ...(principal.scope.products && product && target.product === undefined ? [product] : []),
      ...(principal.scope.environments && environment && target.environment === undefined ? [environment] : []),
    ];
    if (missing.length > 0) throw outOfScope(principal, `name ${missing.join(' and ')} in the request, within that scope`);
    if (!scopeAdmits(principal.scope, target)) throw outOfScope(principal, `the request concerns ${[target.product, target.environment].filter(Boolean).join('@')}`);
  }
}
