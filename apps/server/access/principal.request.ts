import type { FastifyRequest } from 'fastify';
import { scopeAdmits } from '../../../libs/domain/access/tokens.decider';
import type { Principal } from '../../../libs/application/access/principal';
import { ProblemException } from '../problems/problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the AccessGuard for every route that is not public. */
    principal?: Principal;
  }
}

export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Error('No principal on the request: the route is missing @Access');
  return request.principal;
};

export const outOfScope = (principal: Principal, what: string) =>
  new ProblemException('out-of-scope', `Token "${principal.name}" is limited to ${describeScope(principal)}; ${what}.`, [
    { field: 'Authorization', message: `token scope: ${describeScope(principal)}` },
  ]);

export const describeScope = ({ scope }: Principal): string =>
  [scope.products && `products ${scope.products.join(', ')}`, scope.environments && `environments ${scope.environments.join(', ')}`].filter(Boolean).join(' and ') ||
  'everything';

/** For routes declared with scope `resource`: call once the product/environment of the resource is known. */
export const assertInScope = (request: FastifyRequest, target: { product: string; environment?: string }): void => {
  const principal = principalOf(request);
  if (!scopeAdmits(principal.scope, target)) {
    throw outOfScope(principal, `this resource belongs to ${target.product}${target.environment ? `@${target.environment}` : ''}`);
  }
};
