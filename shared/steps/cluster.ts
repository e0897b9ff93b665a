import { PermanentError, RetryableError } from '../errors.js';
import { desiredCluster, desiredGatewayNodePool } from '../plan/gcp/container.js';
import { compareResource } from '../plan/gcp/diff.js';
import { clusterParent, clusterPath } from '../plan/gcp/names.js';
import { assertOwned, isOwnedBy } from '../plan/gcp/ownership.js';
import type { GcpResource, OperationStatus } from '../core/gcp-apis.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import {
  POLL_SECONDS,
  awaitStarted,
  done,
  operationFailed,
  pendingOn,
  raiseOnImmutableDrift,
  readingBack,
  resumeOperation,
  type StepDeps,
  waitFor,
} from './support.js';

/** Cluster fields a ClusterUpdate can bring back to the spec, one per update (GKE runs one at a time). */
const CLUSTER_UPDATES: Readonly<Record<string, string>> = {
  masterAuthorizedNetworksConfig: 'desiredMasterAuthorizedNetworksConfig',
  addonsConfig: 'desiredAddonsConfig',
  workloadIdentityConfig: 'desiredWorkloadIdentityConfig',
  releaseChannel: 'desiredReleaseChannel',
  controlPlaneEndpointsConfig: 'desiredControlPlaneEndpointsConfig',
  fleet: 'desiredFleet',
};

type Json = Record<string, unknown>;

/**
 * The drifted field to restore first. GKE requires the NetworkPolicy addon before enforcement is
 * turned on and refuses to remove it while enforcement is on, so when both drifted and the spec
 * enables the policy the addon goes first; otherwise the field order of the rules holds (it puts
 * `networkPolicy` before `addonsConfig`, the order that turning both off needs).
 */
function firstDriftedField(patch: Json): string | undefined {
  const enablesPolicy = (patch.networkPolicy as { enabled?: boolean } | undefined)?.enabled;
  if (enablesPolicy && 'addonsConfig' in patch) return 'addonsConfig';
  return Object.keys(patch)[0];
}

/**
 * Restores the first drifted mutable field with the one call GKE has for it: a ClusterUpdate
 * field, `setResourceLabels` (other writers' labels kept, with the fingerprint just read),
 * `setNetworkPolicy`, or for the cluster-level `nodeConfig` (the default pool's, as GKE reports
 * it) a `nodePools.update` of that pool. A field no call reaches is a PermanentError.
 */
async function restoreClusterField(
  resource: string,
  patch: Json,
  observed: GcpResource,
  container: StepDeps['gcp']['container'],
): Promise<OperationStatus> {
  const field = firstDriftedField(patch);
  const value = field === undefined ? undefined : patch[field];
  const updateField = field === undefined ? undefined : CLUSTER_UPDATES[field];
  if (updateField) return container.updateCluster(resource, { [updateField]: value });
  if (field === 'resourceLabels') {
    const labels = {
      ...((observed.resourceLabels ?? {}) as Record<string, string>),
      ...(value as Record<string, string>),
    };
    return container.setClusterLabels(resource, labels, String(observed.labelFingerprint ?? ''));
  }
  if (field === 'networkPolicy') {
    return container.setClusterNetworkPolicy(resource, value as { enabled?: boolean });
  }
  const defaultPool = (observed.nodePools as { name?: string; config?: Json }[] | undefined)?.[0];
  const workloadMetadataConfig = (value as { workloadMetadataConfig?: object } | undefined)
    ?.workloadMetadataConfig;
  if (field === 'nodeConfig' && defaultPool?.name && workloadMetadataConfig) {
    return container.updateNodePool(`${resource}/nodePools/${defaultPool.name}`, {
      nodeVersion: '-',
      imageType: defaultPool.config?.imageType ?? 'COS_CONTAINERD',
      workloadMetadataConfig,
    });
  }
  throw new PermanentError(
    'drift-not-reconcilable',
    `${resource}: field ${String(field)} drifted from the spec and this service does not update it in place`,
    { field: String(field), resource },
  );
}

function clusterOutputs(ctx: StepContext, cluster: GcpResource): Record<string, string> {
  const endpoints = cluster.controlPlaneEndpointsConfig as
    { dnsEndpointConfig?: { endpoint?: string } } | undefined;
  const masterAuth = cluster.masterAuth as { clusterCaCertificate?: string } | undefined;
  const privateConfig = cluster.privateClusterConfig as { privateEndpoint?: string } | undefined;
  const fleet = cluster.fleet as { membership?: string } | undefined;
  return {
    clusterName: ctx.environment.spec.cluster.name,
    clusterPath: clusterPath(ctx.environment),
    location: ctx.environment.spec.zone,
    // The DNS-based endpoint: IAM-authorized, how the service reaches the API server.
    endpoint: endpoints?.dnsEndpointConfig?.endpoint ?? '',
    caCertificate: masterAuth?.clusterCaCertificate ?? '',
    privateEndpoint: privateConfig?.privateEndpoint ?? '',
    membership: fleet?.membership ?? '',
  };
}

/**
 * Idempotency: the cluster is addressed by its spec name and created once (ALREADY_EXISTS means
 * observe); a repeated call reads it and writes nothing while it matches, restores one drifted
 * mutable field per call (GKE runs one operation at a time), and raises on immutable drift. Authorized networks are the spec's,
 * never 0.0.0.0/0.
 */
export async function ensureCluster(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const name = clusterPath(env);
  const { container } = deps.gcp;
  const resumed = await resumeOperation(
    ctx,
    deps,
    POLL_SECONDS.cluster,
    'cluster operation running',
  );
  if (resumed.state === 'running') return resumed.wait;
  const desired = desiredCluster(env).cluster;
  const observed = await container.getCluster(name);
  if (!observed) {
    if (resumed.state === 'failed') throw operationFailed(name, resumed.message);
    const op = await container.createCluster(clusterParent(env), desired);
    if (op === 'already-exists') return waitFor(POLL_SECONDS.cluster);
    return (
      awaitStarted('container', op, name, POLL_SECONDS.cluster, 'creating cluster') ??
      readingBack('cluster created; reading it back')
    );
  }
  // Another environment's cluster, or one nobody marked, is never adopted nor patched.
  assertOwned(env, name, observed, 'spec.cluster.name');
  switch (observed.status) {
    case 'RUNNING':
    case 'DEGRADED':
      break;
    case 'ERROR':
      throw new PermanentError(
        'cluster-error',
        `${name}: ${String(observed.statusMessage ?? 'cluster is in ERROR')}`,
        { resource: name },
      );
    case 'STOPPING':
      throw new RetryableError('cluster-stopping', `${name} is being deleted`, {
        retryAfterSeconds: POLL_SECONDS.cluster,
      });
    default:
      return waitFor(POLL_SECONDS.cluster, `cluster ${String(observed.status)}`);
  }
  const comparison = compareResource('Cluster', desired, observed);
  raiseOnImmutableDrift(name, comparison);
  if (comparison.patch) {
    const op = await restoreClusterField(name, comparison.patch, observed, container);
    return (
      awaitStarted('container', op, name, POLL_SECONDS.cluster, 'updating cluster') ??
      readingBack('cluster updated; reading it back')
    );
  }
  return done(clusterOutputs(ctx, observed));
}

/** Deletes the cluster by its spec name, only when its marker says it is this environment's. */
export async function removeCluster(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const name = clusterPath(env);
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.cluster);
  if (resumed.state === 'running') return resumed.wait;
  const observed = await deps.gcp.container.getCluster(name);
  if (!observed) return done({});
  if (!isOwnedBy(env, observed)) return done({ kept: name });
  if (observed.status === 'STOPPING') return waitFor(POLL_SECONDS.cluster);
  const op = await deps.gcp.container.deleteCluster(name);
  if (op === 'not-found') return done({});
  return (
    awaitStarted('container', op, name, POLL_SECONDS.cluster, 'deleting cluster') ??
    readingBack('cluster deleted; confirming')
  );
}

/**
 * Idempotency: the pool is addressed by its spec name under the cluster; a repeated call reads it
 * and writes nothing while it matches. GKE's one-operation-at-a-time FAILED_PRECONDITION is a
 * RetryableError('cluster-busy').
 */
export async function ensureGatewayPool(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const parent = clusterPath(env);
  const name = `${parent}/nodePools/${env.spec.gatewayPool.name}`;
  const { container } = deps.gcp;
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.nodePool);
  if (resumed.state === 'running') return resumed.wait;
  const desired = desiredGatewayNodePool(env).nodePool;
  // A node pool has no marker of its own: it is the environment's when its cluster is.
  const cluster = await container.getCluster(parent);
  if (cluster) assertOwned(env, parent, cluster, 'spec.cluster.name');
  const observed = await container.getNodePool(name);
  if (!observed) {
    if (resumed.state === 'failed') throw operationFailed(name, resumed.message);
    const op = await container.createNodePool(parent, desired);
    if (op === 'already-exists') return waitFor(POLL_SECONDS.nodePool);
    return (
      awaitStarted('container', op, name, POLL_SECONDS.nodePool, 'creating node pool') ??
      readingBack('node pool created; reading it back')
    );
  }
  if (observed.status === 'ERROR') {
    throw new PermanentError(
      'node-pool-error',
      `${name}: ${String(observed.statusMessage ?? 'node pool is in ERROR')}`,
      { resource: name },
    );
  }
  if (observed.status !== 'RUNNING' && observed.status !== 'RUNNING_WITH_ERROR') {
    return waitFor(POLL_SECONDS.nodePool, `node pool ${String(observed.status)}`);
  }
  const comparison = compareResource('NodePool', desired, observed);
  raiseOnImmutableDrift(name, comparison);
  if (comparison.patch) {
    const config = (observed.config ?? {}) as { imageType?: string };
    const op = await container.updateNodePool(name, {
      nodeVersion: '-',
      imageType: config.imageType ?? 'COS_CONTAINERD',
      taints: { taints: desired.config.taints ?? [] },
      workloadMetadataConfig: desired.config.workloadMetadataConfig,
    });
    return (
      awaitStarted('container', op, name, POLL_SECONDS.nodePool, 'updating node pool') ??
      readingBack('node pool updated; reading it back')
    );
  }
  return done({ nodePool: env.spec.gatewayPool.name, nodePoolPath: name });
}

/**
 * Deletes the gateway pool by its spec name, only inside a cluster this environment owns;
 * nothing to do once the cluster or pool is gone.
 */
export async function removeGatewayPool(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const name = `${clusterPath(env)}/nodePools/${env.spec.gatewayPool.name}`;
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.nodePool);
  if (resumed.state === 'running') return resumed.wait;
  const cluster = await deps.gcp.container.getCluster(clusterPath(env));
  if (!cluster) return done({});
  if (!isOwnedBy(env, cluster)) return done({ kept: name });
  const observed = await deps.gcp.container.getNodePool(name);
  if (!observed) return done({});
  if (observed.status === 'STOPPING') return waitFor(POLL_SECONDS.nodePool);
  const op = await deps.gcp.container.deleteNodePool(name);
  if (op === 'not-found') return done({});
  if (!op.done) {
    return pendingOn(
      { api: 'container', name: op.name },
      POLL_SECONDS.nodePool,
      'deleting node pool',
    );
  }
  return readingBack('node pool deleted; confirming');
}
