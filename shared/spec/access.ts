import { z } from 'zod';
import { principal } from './primitives.js';

/**
 * Who may do what with an environment, as its spec says: the facts the API's authorization
 * reads (docs/security.md "Authorization model"). Pure: the caller's identity comes from the
 * verified ID token, matched here against the spec's principals.
 */

/**
 * A tenant name pattern a manager may manage: a name (`team-x`), a prefix (`team-*`: every
 * tenant whose name starts with `team-`) or `*` (every tenant).
 */
export const tenantPattern = z
  .string()
  .max(63)
  .regex(
    /^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?|[a-z0-9][-a-z0-9]{0,60}\*)$/,
    'must be a tenant name (team-x), a prefix ending with * (team-*) or *',
  );

/** A principal and the tenants it may create, change, offboard and read. */
export const TenantManagerSchema = z.strictObject({
  principal,
  tenants: z.array(tenantPattern).min(1, 'must name at least one tenant or pattern'),
});
export type TenantManager = z.output<typeof TenantManagerSchema>;

/** Whether a {@link tenantPattern} covers a tenant name. */
export function tenantPatternCovers(pattern: string, tenant: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return tenant.startsWith(pattern.slice(0, -1));
  return pattern === tenant;
}

/** Principals compare without case: an email's case carries no identity. */
export function samePrincipal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The patterns of the tenants `caller` manages (empty: none). */
export function managedTenantPatterns(
  managers: readonly TenantManager[],
  caller: string,
): string[] {
  return managers
    .filter((manager) => samePrincipal(manager.principal, caller))
    .flatMap((manager) => manager.tenants);
}

/** The admins of an environment: its creator (when known) and the principals its spec names. */
export function environmentAdminPrincipals(
  spec: { spec: { admins?: readonly string[] } },
  createdBy?: string,
): string[] {
  return [...new Set([...(createdBy ? [createdBy] : []), ...(spec.spec.admins ?? [])])];
}

/**
 * Who may publish Tenant documents on the environment's own topic: those who may manage EVERY
 * tenant of it (its admins and the managers of `*`). Pub/Sub does not tell a subscriber who
 * published a message, so a manager of some tenants only must use the API, where its identity
 * is checked against the tenant's name.
 */
export function tenantTopicPublishers(
  spec: { spec: { admins?: readonly string[]; tenantManagers?: readonly TenantManager[] } },
  createdBy?: string,
): string[] {
  const everyTenant = (spec.spec.tenantManagers ?? [])
    .filter((manager) => manager.tenants.includes('*'))
    .map((manager) => manager.principal);
  const publishers = [...environmentAdminPrincipals(spec, createdBy), ...everyTenant];
  // Principals compare without case; IAM keeps the first spelling.
  const seen = new Set<string>();
  return publishers.filter((p) => !seen.has(p.toLowerCase()) && seen.add(p.toLowerCase())).sort();
}
