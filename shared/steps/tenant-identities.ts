/**
 * The tenants' Google side: one Google service account per tenant (marked as the product's),
 * its Workload Identity binding and the resource grants the specs name.
 */
import { PermanentError, RetryableError } from '../errors.js';
import { mergeBindings, removeBindings, type RoleMember } from '../plan/gcp/iam.js';
import { serviceAccountEmail, workloadPool } from '../plan/gcp/names.js';
import { tenantNamespace } from '../spec/egress.js';
import { grantRefusal, reservedServiceAccountReason } from '../spec/grant-policy.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type { GoogleServiceAccount, WorkloadIdentityApi } from '../core/workload-identity.js';

/** The role that lets a Kubernetes service account act as a Google service account. */
export const WORKLOAD_IDENTITY_USER_ROLE = 'roles/iam.workloadIdentityUser';

const MARKER = /^egress-provisioner environment=(\S+) tenant=(\S+)$/;

/**
 * The description that marks a Google service account as the product's (IAM accounts have no
 * labels): the step finds the accounts of offboarded tenants by it, and never touches others.
 */
export function serviceAccountMarker(environment: string, tenant: string): string {
  return `egress-provisioner environment=${environment} tenant=${tenant}`;
}

function ownerOf(
  account: GoogleServiceAccount,
): { environment: string; tenant: string } | undefined {
  const match = MARKER.exec(account.description ?? '');
  return match ? { environment: match[1] as string, tenant: match[2] as string } : undefined;
}

/** Full resource name of a service account, as IAM policies on it are addressed. */
export function serviceAccountResource(project: string, email: string): string {
  return `//iam.googleapis.com/projects/${project}/serviceAccounts/${email}`;
}

/** The Workload Identity member of a Kubernetes service account. */
function workloadIdentityMember(env: Environment, namespace: string, ksa: string): string {
  return `serviceAccount:${workloadPool(env)}[${namespace}/${ksa}]`;
}

/** The IAM side of the desired state: accounts, their Workload Identity bindings, resource grants. */
export interface DesiredWorkloadIdentity {
  /** email → account id and owning tenant. */
  accounts: Map<string, { accountId: string; tenant: string }>;
  /** Pairs wanted on each resource (service accounts' own policies included), by resource. */
  bindings: Map<string, RoleMember[]>;
}

/**
 * The Workload Identity state of the present tenants (pure): a Google service account per
 * `workloadIdentity` entry, `roles/iam.workloadIdentityUser` on it for
 * `serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]`, and the entry's resource grants.
 */
export function desiredWorkloadIdentity(
  env: Environment,
  tenants: readonly Tenant[],
): DesiredWorkloadIdentity {
  const project = env.spec.project;
  const accounts: DesiredWorkloadIdentity['accounts'] = new Map();
  const bindings: DesiredWorkloadIdentity['bindings'] = new Map();
  const add = (resource: string, pair: RoleMember) => {
    const list = bindings.get(resource) ?? [];
    if (!list.some((p) => p.role === pair.role && p.member === pair.member)) list.push(pair);
    bindings.set(resource, list);
  };
  for (const tenant of tenants) {
    if (tenant.spec.state !== 'present') continue;
    tenant.spec.workloadIdentity.forEach((wi, index) => {
      const reserved = reservedServiceAccountReason(wi.googleServiceAccount);
      if (reserved !== undefined) {
        throw new PermanentError(
          'reserved-service-account',
          `tenant ${tenant.metadata.name}: ${reserved}`,
          { field: `spec.workloadIdentity[${index}].googleServiceAccount` },
        );
      }
      const email = serviceAccountEmail(project, wi.googleServiceAccount);
      const other = accounts.get(email);
      if (other && other.tenant !== tenant.metadata.name) {
        throw new PermanentError(
          'service-account-conflict',
          `tenants ${other.tenant} and ${tenant.metadata.name} both claim Google service account ${email}`,
          { field: `spec.workloadIdentity[${index}].googleServiceAccount` },
        );
      }
      accounts.set(email, { accountId: wi.googleServiceAccount, tenant: tenant.metadata.name });
      add(serviceAccountResource(project, email), {
        role: WORKLOAD_IDENTITY_USER_ROLE,
        member: workloadIdentityMember(env, tenantNamespace(tenant), wi.kubernetesServiceAccount),
      });
      wi.grants.forEach((grant, grantIndex) => {
        // Admission checked the grant against the policy of its day; the environment's policy
        // may have tightened since, and the steps account may write any of these policies.
        const refusal = grantRefusal(env, grant.role, grant.resource);
        if (refusal) {
          throw new PermanentError(
            'grant-not-allowed',
            `tenant ${tenant.metadata.name}: ${refusal.message} [${refusal.rule}]`,
            {
              field: `spec.workloadIdentity[${index}].grants[${grantIndex}]`,
              resource: grant.resource,
            },
          );
        }
        add(grant.resource, { role: grant.role, member: `serviceAccount:${email}` });
      });
    });
  }
  return { accounts, bindings };
}

const ETAG_RACE = new Set(['etag-conflict', 'precondition-failed']);

/** Google's answer to a policy naming a service account IAM does not know yet (400). */
function isUnpropagatedAccount(error: unknown): boolean {
  return (
    error instanceof PermanentError &&
    error.reason === 'invalid-argument' &&
    /Service account \S+ does not exist/.test(error.message)
  );
}
const POLICY_ATTEMPTS = 5;

/**
 * One read-modify-write of a resource's policy: drops the pairs `isOurs` claims that are not
 * wanted, adds the wanted ones, writes only if that changed anything, and re-reads on an etag
 * race (two runs at once) so neither loses the other's edit. Returns whether it wrote.
 */
async function reconcilePolicy(
  api: WorkloadIdentityApi,
  resource: string,
  wanted: readonly RoleMember[],
  isOurs: (pair: RoleMember) => boolean,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const policy = await api.getIamPolicy(resource);
    const keep = new Set(wanted.map((p) => `${p.role}\n${p.member}`));
    const stale = (policy.bindings ?? [])
      .filter((b) => !b.condition)
      .flatMap((b) => b.members.map((member) => ({ role: b.role, member })))
      .filter((pair) => isOurs(pair) && !keep.has(`${pair.role}\n${pair.member}`));
    const removed = removeBindings(policy, stale);
    const merged = mergeBindings(removed.policy, wanted);
    if (!removed.changed && !merged.changed) return false;
    try {
      await api.setIamPolicy(resource, merged.policy);
      return true;
    } catch (error) {
      if (isUnpropagatedAccount(error)) {
        // IAM is eventually consistent: an account created moments ago is refused as a member
        // for a while. Time fixes that, so the run must retry, not fail.
        throw new RetryableError(
          'service-account-not-propagated',
          `${(error as Error).message} (a new service account becomes usable in policies after a few seconds)`,
          { retryAfterSeconds: 10, cause: error },
        );
      }
      if (
        !(error instanceof RetryableError && ETAG_RACE.has(error.reason)) ||
        attempt >= POLICY_ATTEMPTS
      ) {
        throw error;
      }
    }
  }
}

/** Resources whose policies may hold the product's grants: every grant any tenant names. */
function grantResources(tenants: readonly Tenant[]): Set<string> {
  return new Set(
    tenants.flatMap((t) =>
      t.spec.workloadIdentity.flatMap((wi) => wi.grants.map((g) => g.resource)),
    ),
  );
}

interface IamReport {
  created: string[];
  deleted: string[];
  policyWrites: number;
}

/**
 * Converges Workload Identity to the present tenants: creates their accounts, sets the
 * workloadIdentityUser bindings and grants, revokes the product's pairs nobody wants any more
 * (on every resource any tenant names, present or absent), and — only when `deleteUnwanted` —
 * deletes the product's accounts of this environment no tenant wants.
 */
export async function reconcileWorkloadIdentity(
  env: Environment,
  tenants: readonly Tenant[],
  api: WorkloadIdentityApi,
  phase: 'grant' | 'delete-unwanted',
): Promise<IamReport> {
  const project = env.spec.project;
  const desired = desiredWorkloadIdentity(env, tenants);
  const report: IamReport = { created: [], deleted: [], policyWrites: 0 };
  const existing = await api.listServiceAccounts(project);
  const owned = new Set<string>();
  for (const account of existing) {
    const owner = ownerOf(account);
    if (owner?.environment === env.metadata.name) owned.add(account.email);
    const wanted = desired.accounts.get(account.email);
    if (wanted && (owner?.environment !== env.metadata.name || owner.tenant !== wanted.tenant)) {
      // Deleting it on offboarding would destroy someone else's identity.
      throw new PermanentError(
        'service-account-conflict',
        `Google service account ${account.email} exists and is not the product's account of tenant ${wanted.tenant} in environment ${env.metadata.name}`,
        { field: 'spec.workloadIdentity[].googleServiceAccount', resource: account.email },
      );
    }
  }

  if (phase === 'delete-unwanted') {
    for (const email of [...owned].sort()) {
      if (desired.accounts.has(email)) continue;
      await api.deleteServiceAccount(project, email);
      report.deleted.push(email);
    }
    return report;
  }

  for (const [email, account] of [...desired.accounts.entries()].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    if (owned.has(email)) continue;
    await api.createServiceAccount(project, account.accountId, {
      displayName: `${account.tenant} workload identity`.slice(0, 100),
      description: serviceAccountMarker(env.metadata.name, account.tenant),
    });
    report.created.push(email);
  }
  const ourMembers = new Set(
    [...owned, ...desired.accounts.keys()].map((e) => `serviceAccount:${e}`),
  );
  const wiPrefix = `serviceAccount:${workloadPool(env)}[`;
  for (const email of [...desired.accounts.keys()].sort()) {
    const resource = serviceAccountResource(project, email);
    // On its own account the product owns every Workload Identity member of that role.
    const wrote = await reconcilePolicy(
      api,
      resource,
      desired.bindings.get(resource) ?? [],
      (p) => p.role === WORKLOAD_IDENTITY_USER_ROLE && p.member.startsWith(wiPrefix),
    );
    if (wrote) report.policyWrites += 1;
  }
  for (const resource of [...grantResources(tenants)].sort()) {
    const wrote = await reconcilePolicy(api, resource, desired.bindings.get(resource) ?? [], (p) =>
      ourMembers.has(p.member),
    );
    if (wrote) report.policyWrites += 1;
  }
  return report;
}
