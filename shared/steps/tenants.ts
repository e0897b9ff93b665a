import { ANALYZED_KINDS } from '../analysis/index.js';
import { desiredTenantObjects } from '../plan/mesh/index.js';
import type { Environment } from '../spec/environment.js';
import type { ApplySetRef, KubeStepDependencies } from '../core/kube-apis.js';
import type { WorkloadIdentityApi } from '../core/workload-identity.js';
import {
  bindStep,
  type StepContext,
  type StepImplementation,
  type StepResult,
} from '../core/step-contract.js';
import { isRevisionReady, removalResult, REVISION_WAIT_SECONDS } from './mesh-config.js';
import { desiredWorkloadIdentity, reconcileWorkloadIdentity } from './tenant-identities.js';
import { reachabilityOutputs, verifiedReachability } from './tenant-reachability.js';
import { waitFor } from './support.js';
import {
  ensureTenantIntake,
  removeTenantIntake,
  type TenantIntakeDependencies,
} from './tenant-intake.js';

/** The apply set of the tenants step's objects. */
export const TENANTS_APPLY_SET = 'tenants';

/** What the tenants step needs besides the Kubernetes dependencies. */
export interface TenantsStepDependencies extends KubeStepDependencies {
  workloadIdentity: WorkloadIdentityApi;
  /**
   * The environment's tenant topic and its push to tenant-events; absent where no tenant-events
   * function receives pushes (the in-process runner), reported as `intake: not-configured`.
   */
  tenantIntake?: TenantIntakeDependencies;
}

function tenantsSet(env: Environment): ApplySetRef {
  return { environment: env.metadata.name, name: TENANTS_APPLY_SET };
}

/**
 * Step `tenants`: first the environment's tenant intake (its Pub/Sub topic, whose publishers
 * are the principals who may manage every tenant, pushed to tenant-events; see
 * shared/steps/tenant-intake.ts); then converges the cluster and IAM to the FULL tenant set of the environment
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
    return waitFor(
      REVISION_WAIT_SECONDS,
      'waiting for mesh-config: tenant namespaces need the mesh control plane for injection',
    );
  }
  // The intake first: publishers follow the spec even when a tenant below is refused.
  const intake = deps.tenantIntake
    ? await ensureTenantIntake(env, ctx.createdBy, deps.tenantIntake)
    : { intake: 'not-configured' };
  const tenants = ctx.tenants.filter((t) => t.spec.environment === env.metadata.name);
  const client = await deps.kubeClient(deps.clusterAccess(ctx.environment));
  const objects = desiredTenantObjects(env, tenants, { revisionReady: true });
  const set = tenantsSet(env);
  // Before any IAM write: the applier refuses a namespace the product did not create for that
  // tenant (not-owned), so a refused tenant gets no Google account or grant either.
  await deps.applyObjectSet({ client, set, objects, checkOnly: true });
  const granted = await reconcileWorkloadIdentity(env, tenants, deps.workloadIdentity, 'grant');
  const report = await deps.applyObjectSet({ client, set, objects });
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
      ...intake,
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
  // Closed first, so no tenant arrives while the others are taken down.
  if (deps.tenantIntake) await removeTenantIntake(env, deps.tenantIntake);
  const client = await deps.kubeClient(deps.clusterAccess(ctx.environment));
  const report = await deps.applyObjectSet({ client, set: tenantsSet(env), objects: [] });
  const none = ctx.tenants.map((t) => ({ ...t, spec: { ...t.spec, state: 'absent' as const } }));
  await reconcileWorkloadIdentity(env, none, deps.workloadIdentity, 'grant');
  await reconcileWorkloadIdentity(env, none, deps.workloadIdentity, 'delete-unwanted');
  return removalResult(report, 'tenant');
}

/** The step as the step registry takes it: `ensure` and `remove` bound to their dependencies. */
export function tenantsStep(deps: TenantsStepDependencies): StepImplementation {
  return bindStep({ ensure: ensureTenants, remove: removeTenants }, deps);
}
