import type { ErrorBody } from '../../shared/errors.js';
import {
  environmentAdminPrincipals,
  samePrincipal,
  type Environment,
} from '../../shared/spec/index.js';
import type { EnvironmentRecord } from '../../shared/state/types.js';

/**
 * The caller of the API when authentication is `disabled-local`: the local stack has no
 * identities, so every local request is this one principal (docs/security.md).
 */
export const LOCAL_USER_EMAIL = 'local@egress-provisioner.local';
export const LOCAL_CALLER = `user:${LOCAL_USER_EMAIL}`;

/**
 * The principal of a verified ID token's email: `serviceAccount:EMAIL` for a Google service
 * account (`*.gserviceaccount.com`), `user:EMAIL` otherwise.
 */
export function principalOf(email: string): string {
  const address = email.toLowerCase();
  return address.endsWith('.gserviceaccount.com') ? `serviceAccount:${address}` : `user:${address}`;
}

/** The admins of a stored environment: its creator and the principals its spec names. */
export function environmentAdmins(stored: Pick<EnvironmentRecord, 'spec' | 'createdBy'>): string[] {
  return environmentAdminPrincipals(stored.spec, stored.createdBy);
}

/**
 * 403 `not-environment-admin` unless the caller administers the environment AS STORED (an
 * incoming spec cannot make its sender an admin). Nothing to check when none is stored or the
 * stored one is DELETED: the caller creates it anew.
 */
export function notEnvironmentAdmin(
  stored: Pick<EnvironmentRecord, 'id' | 'spec' | 'createdBy' | 'status'> | undefined,
  caller: string,
): ErrorBody | undefined {
  if (!stored || stored.status === 'DELETED') return undefined;
  if (environmentAdmins(stored).some((admin) => samePrincipal(admin, caller))) return undefined;
  return {
    kind: 'forbidden',
    reason: 'not-environment-admin',
    message: `${caller} is not an admin of environment ${stored.id} (its creator and spec.admins are); ask one of them to add you to spec.admins`,
  };
}

/**
 * The fields that name an environment's Google resources. Changing one on an existing
 * environment would orphan what it built and rebuild elsewhere (its tenants re-applied in a new
 * project): refused, `immutable-field`. Teardown first, then create anew.
 */
export const IMMUTABLE_ENVIRONMENT_FIELDS: readonly {
  field: string;
  read: (env: Environment) => string;
}[] = [
  { field: 'spec.project', read: (env) => env.spec.project },
  { field: 'spec.region', read: (env) => env.spec.region },
  { field: 'spec.zone', read: (env) => env.spec.zone },
  { field: 'spec.cluster.name', read: (env) => env.spec.cluster.name },
  { field: 'spec.network.name', read: (env) => env.spec.network.name },
  { field: 'spec.subnet.name', read: (env) => env.spec.subnet.name },
  { field: 'spec.nat.routerName', read: (env) => env.spec.nat.routerName },
];

/** 403 `project-not-served` unless the deployment serves the environment's project. */
export function projectNotServed(
  spec: Environment,
  servedProjects: readonly string[],
): ErrorBody | undefined {
  if (servedProjects.includes(spec.spec.project)) return undefined;
  return {
    kind: 'forbidden',
    reason: 'project-not-served',
    message:
      servedProjects.length === 0
        ? `this deployment serves no project (EGRESS_SERVED_PROJECTS is empty); ${spec.spec.project} is refused`
        : `this deployment does not serve project ${spec.spec.project} (it serves ${servedProjects.join(', ')})`,
    field: 'spec.project',
  };
}

/**
 * 409 `immutable-field` naming the first identity field a new spec changes on an environment
 * that exists (a DELETED one may be created anew, anywhere).
 */
export function immutableFieldChange(
  stored: { spec: Environment; status: string } | undefined,
  next: Environment,
): ErrorBody | undefined {
  if (!stored || stored.status === 'DELETED') return undefined;
  for (const { field, read } of IMMUTABLE_ENVIRONMENT_FIELDS) {
    const from = read(stored.spec);
    const to = read(next);
    if (from !== to) {
      return {
        kind: 'conflict',
        reason: 'immutable-field',
        message: `${field} cannot change on an existing environment (${from} → ${to}); delete the environment first`,
        field,
      };
    }
  }
  return undefined;
}
