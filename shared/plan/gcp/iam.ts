import type { Environment } from '../../spec/environment.js';
import { serviceAccountEmail } from './names.js';
import { ownershipDescription } from './ownership.js';
import { postRequest, type PlannedRequest } from './request.js';

/** Body of `POST v1/projects/P/serviceAccounts` (message CreateServiceAccountRequest). */
export interface CreateServiceAccountBody {
  accountId: string;
  serviceAccount: { displayName: string; description: string };
}

/** One (role, member) pair the environment needs on its project. */
export interface RoleMember {
  role: string;
  member: string;
}

/** A binding of an IAM policy (message Binding); conditional bindings are kept as they are. */
export interface IamBinding {
  role: string;
  members: string[];
  condition?: { expression: string; title?: string; description?: string; location?: string };
}

/** An IAM policy (message Policy) as getIamPolicy returns it. */
export interface IamPolicy {
  version?: number;
  etag?: string;
  bindings?: IamBinding[];
  auditConfigs?: unknown[];
}

/** The outcome of a policy edit: the policy to write, and whether it differs from the input. */
export interface PolicyEdit {
  policy: IamPolicy;
  changed: boolean;
}

/** Body of `POST v1/projects/P:setIamPolicy` (message SetIamPolicyRequest). */
export interface SetIamPolicyBody {
  policy: IamPolicy;
  updateMask: string;
}

/**
 * IAM policy version the service reads and writes: 3, so conditional bindings of others survive
 * a read-modify-write (a version 1 write would drop their conditions).
 */
export const IAM_POLICY_VERSION = 3;

/** The two node service accounts, with the tutorial's descriptions and the ownership marker. */
export function desiredServiceAccounts(env: Environment): CreateServiceAccountBody[] {
  const { application, gateway } = env.spec.nodeServiceAccounts;
  return [
    {
      accountId: application,
      serviceAccount: {
        displayName: application,
        description: ownershipDescription(env, 'SA for application nodes'),
      },
    },
    {
      accountId: gateway,
      serviceAccount: {
        displayName: gateway,
        description: ownershipDescription(env, 'SA for gateway nodes'),
      },
    },
  ];
}

function compareRoleMember(a: RoleMember, b: RoleMember): number {
  return a.role.localeCompare(b.role) || a.member.localeCompare(b.member);
}

/** Every role of the spec for both node service accounts: ONE set, written in one policy edit. */
export function desiredProjectBindings(env: Environment): RoleMember[] {
  const { project, nodeServiceAccounts } = env.spec;
  const members = [nodeServiceAccounts.application, nodeServiceAccounts.gateway].map(
    (id) => `serviceAccount:${serviceAccountEmail(project, id)}`,
  );
  const pairs = new Map<string, RoleMember>();
  for (const role of nodeServiceAccounts.roles) {
    for (const member of members) pairs.set(`${role}\n${member}`, { role, member });
  }
  return [...pairs.values()].sort(compareRoleMember);
}

/** Groups pairs into bindings, one per role, sorted by role with sorted members. */
export function bindingsOf(pairs: readonly RoleMember[]): IamBinding[] {
  const byRole = new Map<string, Set<string>>();
  for (const { role, member } of pairs) {
    const members = byRole.get(role) ?? new Set<string>();
    members.add(member);
    byRole.set(role, members);
  }
  return [...byRole.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([role, members]) => ({ role, members: [...members].sort() }));
}

function bindingKey(binding: IamBinding): string {
  return `${binding.role}\n${binding.condition ? JSON.stringify(binding.condition) : ''}`;
}

/** Sorts bindings (role, then unconditional first) and members; drops empty bindings. */
function normalizeBindings(bindings: readonly IamBinding[]): IamBinding[] {
  const merged = new Map<string, IamBinding>();
  for (const binding of bindings) {
    const key = bindingKey(binding);
    const existing = merged.get(key);
    const members = new Set([...(existing?.members ?? []), ...binding.members]);
    merged.set(key, { ...binding, members: [...members].sort() });
  }
  return [...merged.entries()]
    .filter(([, binding]) => binding.members.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, binding]) => binding);
}

function samePairs(a: readonly IamBinding[], b: readonly IamBinding[]): boolean {
  return JSON.stringify(normalizeBindings(a)) === JSON.stringify(normalizeBindings(b));
}

/**
 * Adds the desired pairs to a policy read by getIamPolicy: members join the unconditional
 * binding of their role (created if missing); every other binding, member, condition and audit
 * config stays. The etag is kept so the write fails instead of overwriting a concurrent edit.
 */
export function mergeBindings(policy: IamPolicy, desired: readonly RoleMember[]): PolicyEdit {
  const before = policy.bindings ?? [];
  const additions: IamBinding[] = bindingsOf(desired);
  const bindings = normalizeBindings([...before, ...additions]);
  return {
    policy: { ...policy, version: IAM_POLICY_VERSION, bindings },
    changed: !samePairs(before, bindings),
  };
}

/**
 * Removes the pairs the environment owns from its role's unconditional binding; conditional
 * bindings and other members stay, and a binding left empty disappears.
 */
export function removeBindings(policy: IamPolicy, owned: readonly RoleMember[]): PolicyEdit {
  const before = policy.bindings ?? [];
  const drop = new Set(owned.map(({ role, member }) => `${role}\n${member}`));
  const bindings = normalizeBindings(
    before.map((binding) =>
      binding.condition
        ? binding
        : {
            ...binding,
            members: binding.members.filter((member) => !drop.has(`${binding.role}\n${member}`)),
          },
    ),
  );
  return {
    policy: { ...policy, version: IAM_POLICY_VERSION, bindings },
    changed: !samePairs(before, bindings),
  };
}

/** The `setIamPolicy` body for an edited policy; audit configs are left alone by the mask. */
export function setIamPolicyBody(policy: IamPolicy): SetIamPolicyBody {
  return { policy, updateMask: 'bindings,etag' };
}

/** The `service-accounts` step's requests: two creates, then one policy edit. */
export function serviceAccountRequests(
  env: Environment,
): PlannedRequest<CreateServiceAccountBody | { bindings: IamBinding[] }>[] {
  const { project } = env.spec;
  return [
    ...desiredServiceAccounts(env).map((body) =>
      postRequest(
        'ServiceAccount',
        serviceAccountEmail(project, body.accountId),
        'iam.googleapis.com',
        `/v1/projects/${project}/serviceAccounts`,
        body,
      ),
    ),
    // A read-modify-write (getIamPolicy, mergeBindings, setIamPolicy): the body shown is the
    // set of bindings merged in, not the whole policy.
    postRequest(
      'ProjectIamBindings',
      `projects/${project}`,
      'cloudresourcemanager.googleapis.com',
      `/v1/projects/${project}:setIamPolicy`,
      { bindings: bindingsOf(desiredProjectBindings(env)) },
    ),
  ];
}
