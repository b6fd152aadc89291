import { specFor } from '../../testing/given-when-then';
import { roleAllows, ROLES, type Role } from './roles';
import { decideAccess, evolveAccess, ExpiryInThePast, initialAccessState, scopeAdmits, TokenNotFound, type IssueToken } from './tokens.decider';
import type { AccessEvent } from './token.events';

const NOW = '2026-11-23T10:00:00.000Z';
const given = specFor({ decide: decideAccess, evolve: evolveAccess, initialState: initialAccessState }, () => new Date(NOW));

const issue = (extra: Partial<IssueToken['data']> = {}): IssueToken => ({
  type: 'IssueToken',
  data: { token_id: 't-1', name: 'ci', role: 'ingest', prefix: 'shp_abcd', hash: 'h'.repeat(64), scope: {}, ...extra },
});
const issued = (extra: Partial<IssueToken['data']> = {}): AccessEvent => ({ type: 'token.issued', data: { ...issue(extra).data, issued_at: NOW } });

describe('tokens decider', () => {
  it('issues a token recording only its hash', () => given().when(issue()).thenEmits(issued()));

  it('issues a scoped token with an expiry', () =>
    given()
      .when(issue({ scope: { products: ['api'] }, expires_at: '2027-01-01T00:00:00.000Z' }))
      .thenEmits(issued({ scope: { products: ['api'] }, expires_at: '2027-01-01T00:00:00.000Z' })));

  it('refuses an expiry in the past', () => given().when(issue({ expires_at: '2020-01-01T00:00:00.000Z' })).thenFails(ExpiryInThePast));

  it('revokes a token', () =>
    given(issued()).when({ type: 'RevokeToken', data: { token_id: 't-1' } }).thenEmits({ type: 'token.revoked', data: { token_id: 't-1', revoked_at: NOW } }));

  it('treats a second revocation as a no-op', () =>
    given(issued(), { type: 'token.revoked', data: { token_id: 't-1', revoked_at: NOW } }).when({ type: 'RevokeToken', data: { token_id: 't-1' } }).thenNothing());

  it('refuses to revoke an unknown token', () => given().when({ type: 'RevokeToken', data: { token_id: 'nope' } }).thenFails(TokenNotFound));
});

describe('roles', () => {
  const allowed = (held: Role) => ROLES.filter((required) => roleAllows(held, required));

  it('orders viewer < ingest < operator < admin', () => {
    expect(allowed('viewer')).toEqual(['viewer']);
    expect(allowed('ingest')).toEqual(['viewer', 'ingest']);
    expect(allowed('operator')).toEqual(['viewer', 'ingest', 'operator']);
    expect(allowed('admin')).toEqual(['viewer', 'ingest', 'operator', 'admin', 'auditor']);
  });

  it('gives auditors viewing and audit export only', () => expect(allowed('auditor')).toEqual(['viewer', 'auditor']));
});

describe('scopes', () => {
  it('admits everything when unscoped, and only the listed products/environments otherwise', () => {
    expect(scopeAdmits({}, { product: 'api', environment: 'prod' })).toBe(true);
    expect(scopeAdmits({ products: ['api'] }, { product: 'api', environment: 'prod' })).toBe(true);
    expect(scopeAdmits({ products: ['api'] }, { product: 'web' })).toBe(false);
    expect(scopeAdmits({ environments: ['staging'] }, { product: 'api', environment: 'prod' })).toBe(false);
    expect(scopeAdmits({ products: ['api'], environments: ['staging'] }, { product: 'api', environment: 'staging' })).toBe(true);
  });
});
