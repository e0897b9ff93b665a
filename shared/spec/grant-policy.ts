/**
 * The grant policy of an environment (`spec.tenancy.grants`): which roles tenants may grant
 * their Google service accounts on which resources, and which accounts no one may claim. Pure.
 *
 * A grant is allowed when one policy entry lists its role and a resource pattern that covers
 * its resource. A pattern is an exact full resource name, or one ending in `*` that matches
 * within the last path segment only. Sensitive resources — service accounts and everything else
 * of IAM, projects, folders and organizations, `projects/-/` paths, anything with a `*` — are
 * covered only by a pattern that is exactly the same string: no wildcard hands them out.
 */
import { DEFAULT_SERVICE_ACCOUNT_ID, RESERVED_SERVICE_ACCOUNT_IDS } from './constants.js';
import type { Environment, TenantGrantPolicy } from './environment.js';
import type { SpecError } from './spec-error.js';
import type { Tenant } from './tenant.js';
import { specError } from './validation-support.js';

/** Why a resource needs an exact listing, or undefined when a wildcard may cover it. */
export function sensitiveResourceReason(resource: string): string | undefined {
  if (resource.includes('*')) return 'it contains a wildcard';
  if (resource.includes('projects/-/')) return 'it names "projects/-/" (any project)';
  if (resource.startsWith('//iam.googleapis.com/')) {
    return /\/serviceAccounts\//.test(resource)
      ? 'it is a service account (a role on it can act as the account)'
      : 'it is an IAM resource';
  }
  if (resource.startsWith('//cloudresourcemanager.googleapis.com/')) {
    return 'it is a project, folder or organization';
  }
  return undefined;
}

/**
 * Why a resource name is not one the product can address safely: characters outside a full
 * resource name's, empty, `.` or `..` segments, a query or fragment. Undefined when it is fine.
 */
export function malformedResourceReason(resource: string): string | undefined {
  const match = /^\/\/[a-z0-9.-]+\.googleapis\.com\/(.*)$/.exec(resource);
  if (!match)
    return 'it is not a full resource name like //storage.googleapis.com/projects/_/buckets/NAME';
  const rest = match[1] as string;
  if (!/^[A-Za-z0-9_.~@:*-]+(\/[A-Za-z0-9_.~@:*-]+)*$/.test(rest)) {
    return 'it may hold only letters, digits and "_.~@:-" between single slashes';
  }
  if (rest.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'it has a "." or ".." path segment';
  }
  return undefined;
}

/** True when `pattern` covers `resource` (see the file comment). */
export function grantPatternCovers(pattern: string, resource: string): boolean {
  if (pattern === resource) return true;
  if (sensitiveResourceReason(resource) !== undefined) return false;
  if (!pattern.endsWith('*')) return false;
  const prefix = pattern.slice(0, -1);
  return resource.startsWith(prefix) && !resource.slice(prefix.length).includes('/');
}

/** True when the policy lets a tenant grant `role` on `resource`. */
export function grantAllowed(
  policy: readonly TenantGrantPolicy[],
  role: string,
  resource: string,
): boolean {
  return policy.some(
    (entry) =>
      entry.roles.includes(role) &&
      entry.resources.some((pattern) => grantPatternCovers(pattern, resource)),
  );
}

/** One refused grant: the rule and the message naming role, resource and environment. */
export interface GrantRefusal {
  rule: 'grant-not-allowed' | 'grant-sensitive-resource' | 'invalid-grant-resource';
  message: string;
}

/** Why the environment refuses `role` on `resource`; undefined when its policy allows it. */
export function grantRefusal(
  env: Environment,
  role: string,
  resource: string,
): GrantRefusal | undefined {
  const malformed = malformedResourceReason(resource);
  if (malformed !== undefined) {
    return {
      rule: 'invalid-grant-resource',
      message: `cannot grant ${role} on ${resource}: ${malformed}`,
    };
  }
  const policy = env.spec.tenancy.grants;
  if (grantAllowed(policy, role, resource)) return undefined;
  const sensitive = sensitiveResourceReason(resource);
  if (sensitive !== undefined && !policy.some((entry) => entry.resources.includes(resource))) {
    return {
      rule: 'grant-sensitive-resource',
      message: `environment "${env.metadata.name}" does not let tenants grant ${role} on ${resource}: ${sensitive}, so only spec.tenancy.grants listing exactly this resource may allow it`,
    };
  }
  return {
    rule: 'grant-not-allowed',
    message: `environment "${env.metadata.name}" does not let tenants grant ${role} on ${resource}: no entry of spec.tenancy.grants lists this role with a resource pattern covering it`,
  };
}

/** Why a Google service account id is reserved; undefined when anyone may use it. */
export function reservedServiceAccountReason(accountId: string): string | undefined {
  if ((RESERVED_SERVICE_ACCOUNT_IDS as readonly string[]).includes(accountId)) {
    return `"${accountId}" is one of the provisioner's own service accounts`;
  }
  if (DEFAULT_SERVICE_ACCOUNT_ID.test(accountId)) {
    return `"${accountId}" is the project's default Compute Engine service account`;
  }
  return undefined;
}

/**
 * What a tenant may not ask of its environment's IAM: grants outside `spec.tenancy.grants`, and
 * the provisioner's own or Google's default service accounts. Present tenants only: an absent
 * one asks for nothing.
 */
export function tenantGrantProblems(tenant: Tenant, env: Environment): SpecError[] {
  if (tenant.spec.state !== 'present') return [];
  const errors: SpecError[] = [];
  tenant.spec.workloadIdentity.forEach((binding, index) => {
    const account = binding.googleServiceAccount;
    // The environment's node accounts are refused by validateTenant (`node-service-account`).
    const reserved = reservedServiceAccountReason(account);
    if (reserved !== undefined) {
      errors.push(
        specError(
          ['spec', 'workloadIdentity', index, 'googleServiceAccount'],
          'reserved-service-account',
          `${reserved}; name the tenant's own account`,
        ),
      );
    }
    binding.grants.forEach((grant, grantIndex) => {
      const refusal = grantRefusal(env, grant.role, grant.resource);
      if (refusal) {
        errors.push(
          specError(
            ['spec', 'workloadIdentity', index, 'grants', grantIndex],
            refusal.rule,
            refusal.message,
          ),
        );
      }
    });
  });
  return errors;
}
