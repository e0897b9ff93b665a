import { readFileSync } from 'node:fs';
import { GoogleApiError } from '../api-error.js';
import type { Json, SimStore } from '../store.js';

/**
 * Whether a caller holds a permission on a resource, as IAM decides it: the roles bound to the
 * caller in the policies of the resource and of its ancestors (here its project), expanded to
 * their permissions (local/gcp/iam-data/role-permissions.json, from Google's published role
 * definitions). Only the services listed in that file's `prefixes` are authorized this way.
 */

interface RolePermissions {
  prefixes: string[];
  roles: Record<string, string[]>;
}

let loaded: { prefixes: string[]; roles: Map<string, Set<string>> } | undefined;

function rolePermissions(): NonNullable<typeof loaded> {
  if (!loaded) {
    const url = new URL('../iam-data/role-permissions.json', import.meta.url);
    const raw = JSON.parse(readFileSync(url, 'utf8')) as RolePermissions;
    loaded = {
      prefixes: raw.prefixes,
      roles: new Map(Object.entries(raw.roles).map(([role, perms]) => [role, new Set(perms)])),
    };
  }
  return loaded;
}

/** Whether the simulator's role data covers a permission (so a check of it means something). */
export function isAuthorizedPermission(permission: string): boolean {
  return rolePermissions().prefixes.some((prefix) => permission.startsWith(prefix));
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The permissions of a predefined role among those the data covers (the simulator serves no
 * custom roles, so a custom role grants nothing here).
 */
function permissionsOf(role: string): ReadonlySet<string> {
  return rolePermissions().roles.get(role) ?? NONE;
}

/**
 * Whether a policy member names the caller: `user:`/`serviceAccount:` by email (case-insensitive),
 * `domain:` by the email's domain, `allUsers` and `allAuthenticatedUsers` everyone with a token.
 * Groups are never matched: the simulator knows no group memberships.
 */
function memberMatches(member: string, principal: string): boolean {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return true;
  const [kind, email = ''] = principal.split(/:(.*)/s);
  const lower = member.toLowerCase();
  if (lower === `${kind}:${email}`.toLowerCase()) return true;
  return lower.startsWith('domain:') && email.toLowerCase().endsWith(`@${lower.slice(7)}`);
}

/** Whether `principal` holds `permission` through the policy of any of `resources`. */
export function holdsPermission(
  store: SimStore,
  principal: string,
  permission: string,
  resources: readonly string[],
): boolean {
  return resources.some((resource) => {
    const policy = store.get('iam.policies', resource);
    return ((policy?.bindings as Json[] | undefined) ?? []).some(
      (binding) =>
        ((binding.members as string[] | undefined) ?? []).some((m) =>
          memberMatches(m, principal),
        ) && permissionsOf(String(binding.role)).has(permission),
    );
  });
}

/** Who called: a verified principal, or why there is none. */
export type SimCaller =
  { token: 'verified'; principal: string } | { token: 'missing' } | { token: 'invalid' };

/** The caller's principal, or Google's 401 for a call without valid credentials. */
export function requireCredentials(caller: SimCaller): string {
  if (caller.token === 'verified') return caller.principal;
  const detail =
    caller.token === 'missing'
      ? 'Request is missing required authentication credential.'
      : 'Request had invalid authentication credentials.';
  throw new GoogleApiError(
    401,
    `${detail} Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.`,
    { status: 'UNAUTHENTICATED', reason: caller.token === 'missing' ? 'required' : 'authError' },
  );
}

/**
 * Google's 401 for a call without valid credentials, and its 403 for a caller without the
 * permission: `deniedMessage` as the API words it (Pub/Sub: "User not authorized to perform this
 * action."), with an ErrorInfo naming the permission.
 */
export function authorize(
  store: SimStore,
  caller: SimCaller,
  permission: string,
  resources: readonly string[],
  deniedMessage: string,
): void {
  const principal = requireCredentials(caller);
  if (!holdsPermission(store, principal, permission, resources)) {
    throw new GoogleApiError(403, deniedMessage, {
      status: 'PERMISSION_DENIED',
      errorInfo: {
        reason: 'IAM_PERMISSION_DENIED',
        domain: 'iam.googleapis.com',
        metadata: { permission, resource: resources[0] ?? '' },
      },
    });
  }
}
