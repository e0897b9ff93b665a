import type { ErrorBody } from '../../shared/errors.js';
import {
  managedTenantPatterns,
  samePrincipal,
  tenantPatternCovers,
} from '../../shared/spec/index.js';
import type { EnvironmentRecord } from '../../shared/state/types.js';
import { environmentAdmins } from './environment-admission.js';

/**
 * Who may read an environment and manage its tenants, decided against the environment AS
 * STORED (docs/security.md "Authorization model"): admins do everything; tenant managers
 * manage and read the tenants their patterns cover, and read the environment; viewers read.
 */

type StoredAccess = Pick<EnvironmentRecord, 'id' | 'spec' | 'createdBy'>;

function isAdmin(stored: StoredAccess, caller: string): boolean {
  return environmentAdmins(stored).some((admin) => samePrincipal(admin, caller));
}

function isViewer(stored: StoredAccess, caller: string): boolean {
  return (stored.spec.spec.viewers ?? []).some((viewer) => samePrincipal(viewer, caller));
}

function managedPatterns(stored: StoredAccess, caller: string): string[] {
  return managedTenantPatterns(stored.spec.spec.tenantManagers ?? [], caller);
}

/** Whether the caller may read every tenant of the environment (admins and viewers). */
export function readsEveryTenant(stored: StoredAccess, caller: string): boolean {
  return isAdmin(stored, caller) || isViewer(stored, caller);
}

/** Whether the caller may read this tenant: everyone who reads all, and its managers. */
export function mayReadTenant(stored: StoredAccess, caller: string, tenant: string): boolean {
  return (
    readsEveryTenant(stored, caller) ||
    managedPatterns(stored, caller).some((pattern) => tenantPatternCovers(pattern, tenant))
  );
}

/**
 * 403 `not-environment-reader` unless the caller may read the environment, its runs and (some
 * of) its tenants: an admin, a viewer or a tenant manager.
 */
export function notEnvironmentReader(stored: StoredAccess, caller: string): ErrorBody | undefined {
  if (readsEveryTenant(stored, caller) || managedPatterns(stored, caller).length > 0) {
    return undefined;
  }
  return {
    kind: 'forbidden',
    reason: 'not-environment-reader',
    message: `${caller} may not read environment ${stored.id} (its admins, spec.viewers and spec.tenantManagers may)`,
  };
}

/**
 * 403 `not-tenant-manager` unless the caller may create, change or offboard this tenant: an
 * admin, or a manager whose pattern covers the name.
 */
export function notTenantManager(
  stored: StoredAccess,
  caller: string,
  tenant: string,
): ErrorBody | undefined {
  if (isAdmin(stored, caller)) return undefined;
  if (managedPatterns(stored, caller).some((pattern) => tenantPatternCovers(pattern, tenant))) {
    return undefined;
  }
  return {
    kind: 'forbidden',
    reason: 'not-tenant-manager',
    message: `${caller} may not manage tenant ${tenant} of environment ${stored.id}; an admin may add you to spec.tenantManagers with a pattern covering it`,
  };
}
