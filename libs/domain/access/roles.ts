/**
 * viewer < ingest (CI) < operator < admin; auditor = viewer + audit export (DESIGN §6).
 * `public` is not a role a token holds: it marks the few routes that need no token (/health).
 */
export const ROLES = ['viewer', 'ingest', 'operator', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export type RouteAccess = Role | 'public';

const LADDER: Record<Exclude<Role, 'auditor'>, number> = { viewer: 0, ingest: 1, operator: 2, admin: 3 };

/** Whether a token holding `held` may use a route that requires `required`. */
export const roleAllows = (held: Role, required: Role): boolean => {
  if (held === required || held === 'admin') return true;
  if (required === 'auditor') return false;
  if (held === 'auditor') return required === 'viewer';
  return LADDER[held] >= LADDER[required];
};

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
