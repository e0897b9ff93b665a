import {
  ANALYZED_KINDS,
  formatDifferences,
  verifyReachability,
  type ReachabilityVerification,
} from '../analysis/index.js';
import { PermanentError, RetryableError } from '../errors.js';
import type { IamPolicy, RoleMember } from '../plan/gcp/iam.js';
import { serviceAccountEmail, workloadPool } from '../plan/gcp/names.js';
import { mergeBindings, removeBindings } from '../plan/gcp/iam.js';
import { objectKey, type KubeObject } from '../plan/kube-object.js';
import { desiredTenantObjects } from '../plan/mesh/index.js';
import { tenantNamespace } from '../spec/egress.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type { ApplySetRef } from '../kube/index.js';
import type { StepContext, StepOutputs, StepResult } from './contract.js';
import {
  isRevisionReady,
  removalResult,
  REVISION_WAIT_SECONDS,
  type KubeStepDependencies,
} from './mesh-config.js';

/** The apply set of the tenants step's objects. */
export const TENANTS_APPLY_SET = 'tenants';

/** The role that lets a Kubernetes service account act as a Google service account. */
export const WORKLOAD_IDENTITY_USER_ROLE = 'roles/iam.workloadIdentityUser';

/** A Google service account as the tenants step sees it. */
export interface GoogleServiceAccount {
  email: string;
  description?: string;
}

/**
 * The IAM calls of Workload Identity, by full resource name (`//iam.googleapis.com/projects/P/
 * serviceAccounts/EMAIL`, `//storage.googleapis.com/projects/_/buckets/B`,
 * `//cloudresourcemanager.googleapis.com/projects/P`). shared/gcp's IamApi covers service
 * accounts of one kind of call only and has no resource policies, so the step states what it
 * needs here; an adapter in shared/gcp implements it. Errors are typed: an etag race is
 * `RetryableError('etag-conflict' | 'precondition-failed')`.
 */
export interface WorkloadIdentityApi {
  /** Every service account of the project. */
  listServiceAccounts(project: string): Promise<GoogleServiceAccount[]>;
  /** Creates an account; one that already exists is success. */
  createServiceAccount(
    project: string,
    accountId: string,
    details: { displayName: string; description: string },
  ): Promise<void>;
  /** Deletes an account; one already gone is success. */
  deleteServiceAccount(project: string, email: string): Promise<void>;
  /** The resource's IAM policy (version 3), with its etag. */
  getIamPolicy(resource: string): Promise<IamPolicy>;
  /** Writes a policy read by getIamPolicy; fails on a concurrent change (etag). */
  setIamPolicy(resource: string, policy: IamPolicy): Promise<void>;
}

/** What the tenants step needs besides the Kubernetes dependencies. */
export interface TenantsStepDependencies extends KubeStepDependencies {
  workloadIdentity: WorkloadIdentityApi;
}

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
      for (const grant of wi.grants) {
        add(grant.resource, { role: grant.role, member: `serviceAccount:${email}` });
      }
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
async function reconcileWorkloadIdentity(
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

/**
 * Most verdict rows a run records. A row is ~50 bytes, so this keeps the step's outputs far below
 * Firestore's 1 MiB document limit (they are stored in the run and in the environment); beyond
 * it only the ALLOWED rows are recorded, the denials being the default.
 */
const MAX_RECORDED_REACHABILITY_ROWS = 400;
/** Calls of the step in one run that may retry a check raced by a writer of its own objects. */
export const CHECK_RACE_ATTEMPTS = 3;
/** Differing cells listed in a reachability-mismatch error before "and N more". */
const MAX_LISTED_DIFFERENCES = 25;

/** The verdict rows and counts a run records (StepOutputs allows strings and lists only). */
export function reachabilityOutputs(verification: ReachabilityVerification): StepOutputs {
  const { rows } = verification;
  const allowed = rows.filter((row) => row.split(' ')[3] === 'ALLOWED');
  const truncated = rows.length > MAX_RECORDED_REACHABILITY_ROWS;
  return {
    reachability: truncated ? allowed : rows,
    reachabilityChecked: rows.length,
    reachabilityAllowed: allowed.length,
    ...(truncated ? { reachabilityTruncated: true } : {}),
  };
}

/**
 * The error of a cluster whose reachability differs from what the specs grant: a retry cannot
 * fix it (the product's own objects were just applied), so it names every differing cell and
 * the object that decided it, for a person to act on.
 */
function reachabilityMismatch(
  verification: ReachabilityVerification,
  changedSinceApply: readonly string[] = [],
): PermanentError {
  const lines = formatDifferences(verification.differences);
  const listed = lines.slice(0, MAX_LISTED_DIFFERENCES);
  const more = lines.length - listed.length;
  return new PermanentError(
    'reachability-mismatch',
    [
      `the cluster's reachability differs from what the tenant specs grant in ${lines.length} cell${lines.length === 1 ? '' : 's'} (objects the product does not own, or changed after its apply, decide them):`,
      ...listed.map((line) => `  ${line}`),
      ...(more > 0 ? [`  ... and ${more} more`] : []),
      ...(changedSinceApply.length > 0
        ? [
            `the product's own ${changedSinceApply.join(', ')} kept changing between its apply and the check: another writer (a controller, a webhook) rewrites them`,
          ]
        : []),
    ].join('\n'),
    { resource: verification.differences[0]?.actual.decidedBy },
  );
}

/** Whether `live` holds every field of `desired` with its value (server defaults may add more). */
function holdsFields(live: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, i) => holdsFields(live[i], item))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired).every(([key, value]) =>
      holdsFields((live as Record<string, unknown>)[key], value),
    );
  }
  return live === desired;
}

/**
 * The step's own objects that another writer deleted or changed between the apply and the read
 * back (compared on the spec fields the compiler sets; server defaults may add others), by key.
 */
function changedSinceApply(desired: readonly KubeObject[], live: readonly KubeObject[]): string[] {
  const byKey = new Map(live.map((o) => [objectKey(o), o]));
  return desired
    .filter((o) => ANALYZED_KINDS.some((k) => k.kind === o.kind))
    .filter((o) => {
      const found = byKey.get(objectKey(o));
      return !found || !holdsFields(found.spec, o.spec);
    })
    .map(objectKey);
}

/**
 * The reachability of the cluster read back after the apply; throws when it differs from what
 * the tenant specs grant: retryable while the step's own objects changed since its apply (a
 * race), permanent otherwise.
 */
function verifiedReachability(
  env: Environment,
  tenants: readonly Tenant[],
  applied: readonly KubeObject[],
  live: readonly KubeObject[],
  attempt: number,
): ReachabilityVerification {
  const verification = verifyReachability(env, tenants, live);
  if (verification.differences.length === 0) return verification;
  const changed = changedSinceApply(applied, live);
  if (changed.length > 0 && attempt < CHECK_RACE_ATTEMPTS) {
    // Another writer touched the step's own objects after its apply: the next call reapplies
    // them, so this is a race to retry, not a verdict to report. A writer that keeps changing
    // them (a controller, a webhook) is reported after a few calls instead of forever.
    throw new RetryableError(
      'objects-changed-during-check',
      `${changed.join(', ')} changed after the apply, before the reachability check: ${formatDifferences(verification.differences).join('; ')}`,
      { retryAfterSeconds: 5 },
    );
  }
  throw reachabilityMismatch(verification, changed);
}

function tenantsSet(env: Environment): ApplySetRef {
  return { environment: env.metadata.name, name: TENANTS_APPLY_SET };
}

/**
 * Step `tenants`: converges the cluster and IAM to the FULL tenant set of the environment
 * (StepContext.tenants, fed by the state store), so reconciling is order-free and offboarding is
 * "mark absent (or delete) and prune". In order: Google service accounts, their
 * workloadIdentityUser bindings and the spec's resource grants (so no Kubernetes service account
 * ever names a missing Google one); then the tenants' Kubernetes and Istio objects, pruning those
 * of offboarded tenants; then deletes the product's Google accounts no tenant wants; last, reads
 * the cluster back (every object the analyzer reads, the product's or not), computes the
 * reachability matrix with the firewall rules the environment's spec defines, records it in the
 * outputs (`reachability`: one `TENANT METHOD URL VERDICT [via]` row per cell), and fails with
 * `PermanentError('reachability-mismatch')`, naming each differing cell, when it differs from
 * what the tenant specs grant (shared/analysis verifyReachability).
 * An offboarded tenant's grants are revoked on every resource any tenant's spec names; grants of
 * a tenant deleted from the store on a resource no spec names any more are not found (its
 * account is deleted, which voids them).
 *
 * Idempotency: a call with the same environment and tenants changes nothing once converged —
 * no Kubernetes write, no IAM write (policies are written only when they differ) — and two calls
 * at once with the same tenants both converge (applies are idempotent, etag races are re-read).
 */
export async function ensureTenants(
  ctx: StepContext,
  deps: TenantsStepDependencies,
): Promise<StepResult> {
  const env = ctx.environment;
  const ready =
    isRevisionReady(ctx.upstream['mesh-ready']) ||
    ctx.upstream['mesh-config']?.revisionReady === true;
  if (!ready) {
    return {
      status: 'pending',
      retryAfterSeconds: REVISION_WAIT_SECONDS,
      message:
        'waiting for mesh-config: tenant namespaces need the mesh control plane for injection',
    };
  }
  const tenants = ctx.tenants.filter((t) => t.spec.environment === env.metadata.name);
  const granted = await reconcileWorkloadIdentity(env, tenants, deps.workloadIdentity, 'grant');
  const client = await deps.kubeClient(deps.clusterAccess(ctx.upstream.cluster));
  const objects = desiredTenantObjects(env, tenants, { revisionReady: true });
  const report = await deps.applyObjectSet({ client, set: tenantsSet(env), objects });
  const cleaned = await reconcileWorkloadIdentity(
    env,
    tenants,
    deps.workloadIdentity,
    'delete-unwanted',
  );
  // The check runs after the apply and reads the cluster back, whoever's objects are there: it
  // proves what was applied, and catches what the apply cannot repair (another actor's objects).
  const live = await deps.readObjects(client, ANALYZED_KINDS);
  const verification = verifiedReachability(env, tenants, objects, live, ctx.attempt);
  const present = tenants.filter((t) => t.spec.state === 'present');
  return {
    status: 'done',
    outputs: {
      ...reachabilityOutputs(verification),
      tenants: present.map((t) => t.metadata.name).sort(),
      serviceAccounts: [...desiredWorkloadIdentity(env, tenants).accounts.keys()].sort(),
      objects: objects.length,
      applied: report.applied.length,
      unchanged: report.unchanged.length,
      deleted: report.deleted.length + report.cascaded.length,
      iamWrites: granted.created.length + granted.policyWrites + cleaned.deleted.length,
    },
  };
}

/**
 * Teardown of `tenants`: deletes every tenant object of the environment, revokes the product's
 * grants on every resource the tenants' specs name, and deletes the product's Google service
 * accounts of the environment; `pending` until a call finds nothing left in the cluster.
 *
 * Idempotency: once everything is gone, a call sends no write.
 */
export async function removeTenants(
  ctx: StepContext,
  deps: TenantsStepDependencies,
): Promise<StepResult> {
  const env = ctx.environment;
  const client = await deps.kubeClient(deps.clusterAccess(ctx.upstream.cluster));
  const report = await deps.applyObjectSet({ client, set: tenantsSet(env), objects: [] });
  const none = ctx.tenants.map((t) => ({ ...t, spec: { ...t.spec, state: 'absent' as const } }));
  await reconcileWorkloadIdentity(env, none, deps.workloadIdentity, 'grant');
  await reconcileWorkloadIdentity(env, none, deps.workloadIdentity, 'delete-unwanted');
  return removalResult(report, 'tenant');
}

/** The step as the step registry takes it: `ensure` and `remove` bound to their dependencies. */
export function tenantsStep(deps: TenantsStepDependencies): {
  ensure(ctx: StepContext): Promise<StepResult>;
  remove(ctx: StepContext): Promise<StepResult>;
} {
  return {
    ensure: (ctx) => ensureTenants(ctx, deps),
    remove: (ctx) => removeTenants(ctx, deps),
  };
}
