import type {
  ApplyReport,
  ApplySetRef,
  KubeObjectClient,
  KubeStepDependencies,
  LiveObject,
} from '../core/kube-apis.js';
import { PermanentError } from '../errors.js';
import { objectKey } from '../plan/kube-object.js';
import { desiredMeshObjects, gatewayServiceHost } from '../plan/mesh/index.js';
import { MANAGED_BY_VALUE, OWNER_LABELS } from '../spec/constants.js';
import type { Environment } from '../spec/environment.js';
import {
  bindStep,
  type StepContext,
  type StepImplementation,
  type StepOutputs,
  type StepResult,
} from '../core/step-contract.js';
import { waitFor } from './support.js';

/** The apply set of the mesh-config step's objects. */
export const MESH_APPLY_SET = 'mesh';

/** Seconds between calls while the control plane is not REVISION_READY (it takes minutes). */
export const REVISION_WAIT_SECONDS = 30;
/** Seconds between calls while the egress gateway Deployment is not available yet. */
export const GATEWAY_WAIT_SECONDS = 10;

/**
 * Whether the mesh-ready step reports the managed control plane ready. mesh-ready is done only
 * once the membership is ACTIVE with REVISION_READY and then outputs `controlPlaneState:
 * 'ACTIVE'` (shared/steps/mesh-ready.ts); `revisionReady: true` and `REVISION_READY` are accepted
 * as well. No outputs (mesh-ready not done) means not ready.
 */
export function isRevisionReady(outputs: StepOutputs | undefined): boolean {
  if (!outputs) return false;
  if (outputs.revisionReady === true) return true;
  return ['ACTIVE', 'REVISION_READY'].includes(String(outputs.controlPlaneState ?? outputs.state));
}

/** Why a gateway Deployment is not available yet, or undefined when it is. */
export function gatewayUnavailableReason(live: LiveObject | undefined): string | undefined {
  if (!live) return 'the Deployment does not exist';
  const status = live.status ?? {};
  const generation = live.metadata.generation;
  const observed = status.observedGeneration;
  // A status from before the last change says nothing about the pods the change makes.
  if (typeof generation === 'number' && (typeof observed !== 'number' || observed < generation)) {
    return `the deployment controller has not observed generation ${generation} yet`;
  }
  const conditions = Array.isArray(status.conditions)
    ? (status.conditions as { type?: string; status?: string; message?: string }[])
    : [];
  const available = conditions.find((c) => c.type === 'Available');
  if (available) {
    return available.status === 'True'
      ? undefined
      : `Available=${available.status ?? 'Unknown'}: ${available.message ?? ''}`.trim();
  }
  const replicas = status.availableReplicas;
  return typeof replicas === 'number' && replicas >= 1 ? undefined : 'no replica is available';
}

function meshSet(env: Environment): ApplySetRef {
  return { environment: env.metadata.name, name: MESH_APPLY_SET };
}

async function clientFor(ctx: StepContext, deps: KubeStepDependencies): Promise<KubeObjectClient> {
  return deps.kubeClient(deps.clusterAccess(ctx.environment));
}

/**
 * Why the live egress gateway namespace is not the environment's own, or undefined when it is
 * (or does not exist yet). The product creates it with the ownership labels
 * (`app.kubernetes.io/managed-by=egress-provisioner`,
 * `egress.provisioner.dev/environment=<environment>`) and no tenant label; anything else (created
 * by someone else, by another environment, or a tenant's namespace) is not adopted. istio-system
 * and kube-system, which the mesh and Kubernetes create, are only labelled, never checked here.
 */
export function gatewayNamespaceOwnerProblem(
  live: LiveObject | undefined,
  environment: string,
): string | undefined {
  if (!live) return undefined;
  const labels = live.metadata.labels ?? {};
  const tenant = labels[OWNER_LABELS.tenant];
  if (
    labels[OWNER_LABELS.managedBy] === MANAGED_BY_VALUE &&
    labels[OWNER_LABELS.environment] === environment &&
    tenant === undefined
  ) {
    return undefined;
  }
  if (labels[OWNER_LABELS.managedBy] !== MANAGED_BY_VALUE) {
    return `not created by egress-provisioner (${OWNER_LABELS.managedBy}=${labels[OWNER_LABELS.managedBy] ?? '(none)'})`;
  }
  return tenant !== undefined
    ? `${OWNER_LABELS.environment}=${labels[OWNER_LABELS.environment] ?? '(none)'}, ${OWNER_LABELS.tenant}=${tenant}: a tenant's namespace`
    : `${OWNER_LABELS.environment}=${labels[OWNER_LABELS.environment] ?? '(none)'}`;
}

/**
 * Refuses (PermanentError('not-owned'), before anything is written) an egress gateway namespace
 * that exists without the environment's ownership labels: a forced server-side apply would take
 * it over, put the gateway in it, and teardown would then delete it with whatever it holds.
 */
async function refuseForeignGatewayNamespace(
  client: KubeObjectClient,
  env: Environment,
): Promise<void> {
  const name = env.spec.mesh.egressGateway.namespace;
  const live = await client.read({ apiVersion: 'v1', kind: 'Namespace', name });
  const problem = gatewayNamespaceOwnerProblem(live, env.metadata.name);
  if (problem === undefined) return;
  throw new PermanentError(
    'not-owned',
    `namespace "${name}" already exists and is not the egress gateway namespace of environment "${env.metadata.name}" (${problem}); the product does not adopt it: delete it, label it ${OWNER_LABELS.managedBy}=${MANAGED_BY_VALUE} and ${OWNER_LABELS.environment}=${env.metadata.name} if it is this environment's, or choose another spec.mesh.egressGateway.namespace`,
    {
      resource: objectKey({ kind: 'Namespace', metadata: { name } }),
      field: 'spec.mesh.egressGateway.namespace',
    },
  );
}

/**
 * Step `mesh-config`: applies the mesh objects (namespaces, egress gateway, PeerAuthentication,
 * Gateway, egress DestinationRule, Telemetry, allow-nothing policy) and prunes the ones no
 * longer desired. Until mesh-ready reports REVISION_READY it applies them without the gateway
 * Deployment and without `istio-injection=enabled` and answers `pending`; once ready, it answers
 * `pending` until the gateway Deployment is available.
 *
 * "Available" is judged from the Deployment's status as the deployment controller writes it:
 * `observedGeneration` has caught up with `metadata.generation`, and the `Available` condition is
 * True (or, without conditions, `availableReplicas >= 1`). No status at all counts as not
 * available: on a real cluster that only means the controller has not looked yet. The local
 * Kubernetes simulator writes such a status on every write, so locally the gateway is available
 * as soon as it is applied.
 *
 * Idempotency: a call with the same environment and upstream outputs converges the cluster to the
 * same objects and, when nothing differs from the fields the product owns, sends no write.
 */
export async function ensureMeshConfig(
  ctx: StepContext,
  deps: KubeStepDependencies,
): Promise<StepResult> {
  const env = ctx.environment;
  const gw = env.spec.mesh.egressGateway;
  const client = await clientFor(ctx, deps);
  await refuseForeignGatewayNamespace(client, env);
  let revisionReady = isRevisionReady(ctx.upstream['mesh-ready']);
  if (!revisionReady) {
    // REVISION_READY is a latch: once the gateway was deployed, a missing or stale mesh-ready
    // output must not prune it or strip the injection labels of a working mesh.
    const deployed = await client.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: gw.name,
      namespace: gw.namespace,
    });
    revisionReady = deployed !== undefined;
  }
  const objects = desiredMeshObjects(env, { revisionReady });
  const report = await deps.applyObjectSet({ client, set: meshSet(env), objects });
  const summary = `${report.applied.length} applied, ${report.unchanged.length} unchanged, ${report.deleted.length + report.cascaded.length} deleted`;
  if (!revisionReady) {
    return waitFor(
      REVISION_WAIT_SECONDS,
      `waiting for the managed control plane to report REVISION_READY (mesh objects without injection: ${summary})`,
    );
  }
  const gatewayKey = objectKey({
    kind: 'Deployment',
    metadata: { name: gw.name, namespace: gw.namespace },
  });
  if (!objects.some((o) => objectKey(o) === gatewayKey)) {
    throw new PermanentError('compiler-contract', `the mesh objects hold no ${gatewayKey}`);
  }
  const unavailable = gatewayUnavailableReason(report.live.get(gatewayKey));
  if (unavailable !== undefined) {
    return waitFor(
      GATEWAY_WAIT_SECONDS,
      `waiting for the egress gateway ${gw.namespace}/${gw.name}: ${unavailable} (${summary})`,
    );
  }
  return {
    status: 'done',
    outputs: {
      revisionReady: true,
      gatewayNamespace: gw.namespace,
      gatewayService: gatewayServiceHost(env),
      objects: objects.length,
      applied: report.applied.length,
      unchanged: report.unchanged.length,
      deleted: report.deleted.length + report.cascaded.length,
    },
  };
}

/**
 * Teardown of `mesh-config`: deletes every object of the mesh apply set (never kube-system or
 * istio-system, which only lose the product's labels), and answers `pending` until a call finds
 * nothing left, so a namespace still terminating holds the teardown back.
 *
 * Idempotency: once everything is gone, every further call is one list per kind and no write.
 */
export async function removeMeshConfig(
  ctx: StepContext,
  deps: KubeStepDependencies,
): Promise<StepResult> {
  const client = await clientFor(ctx, deps);
  const report = await deps.applyObjectSet({ client, set: meshSet(ctx.environment), objects: [] });
  return removalResult(report, 'mesh');
}

/** `done` when a removal call found nothing left to delete; `pending` otherwise. */
export function removalResult(report: ApplyReport, what: string): StepResult {
  const left = report.deleted.length + report.cascaded.length + report.terminating.length;
  if (left > 0) {
    return waitFor(
      5,
      `deleting the ${what} objects: ${report.deleted.length + report.cascaded.length} deleted, ${report.terminating.length} terminating`,
    );
  }
  return { status: 'done', outputs: { released: report.released } };
}

/** The step as the step registry takes it: `ensure` and `remove` bound to their dependencies. */
export function meshConfigStep(deps: KubeStepDependencies): StepImplementation {
  return bindStep({ ensure: ensureMeshConfig, remove: removeMeshConfig }, deps);
}
