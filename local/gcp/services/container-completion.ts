import type { ClusterHooks } from '../handler.js';
import type { Completion, Json, SimStore, StoredOperation } from '../store.js';
import { CLUSTERS, GKE_VERSION } from './container-operations.js';
import { publicEndpointFor } from './container-clusters.js';

/** Applies the container completions the generic store cannot: cluster readiness and removal. */
export async function containerCompletion(
  store: SimStore,
  hooks: ClusterHooks,
  completion: Completion,
  op: StoredOperation,
): Promise<void> {
  if (completion.kind === 'cluster-ready') {
    const cluster = store.get(CLUSTERS, completion.key);
    if (!cluster) return;
    const privateConfig = cluster.privateClusterConfig as Json;
    // Like GKE: the public endpoint when there is one, else the private one.
    let endpoint = String(
      privateConfig.publicEndpoint ??
        privateConfig.privateEndpoint ??
        publicEndpointFor(String(cluster.name)),
    );
    const served = await hooks.onClusterCreated?.(cluster);
    if (served) {
      endpoint = served.endpoint;
      ((cluster.controlPlaneEndpointsConfig as Json).dnsEndpointConfig as Json).endpoint =
        served.dnsEndpoint;
      if (served.caCertificate)
        (cluster.masterAuth as Json).clusterCaCertificate = served.caCertificate;
    }
    cluster.endpoint = endpoint;
    cluster.status = 'RUNNING';
    for (const pool of cluster.nodePools as Json[]) pool.status = 'RUNNING';
    const fleet = cluster.fleet as Json | undefined;
    if (fleet?.project) {
      const fleetProject = String(fleet.project).replace(/^projects\//, '');
      const membershipKey = `projects/${fleetProject}/locations/global/memberships/${String(cluster.name)}`;
      fleet.membership = `projects/${store.projectNumber(fleetProject)}/locations/global/memberships/${String(cluster.name)}`;
      if (!store.get('gkehub.memberships', membershipKey)) {
        store.put('gkehub.memberships', membershipKey, {
          name: membershipKey,
          endpoint: {
            gkeCluster: { resourceLink: `//container.googleapis.com/${completion.key}` },
            kubernetesMetadata: { kubernetesApiServerVersion: GKE_VERSION },
          },
          state: { code: 'READY' },
          authority: {
            issuer: `https://container.googleapis.com/v1/${completion.key}`,
            workloadIdentityPool: `${fleetProject}.svc.id.goog`,
            identityProvider: `https://container.googleapis.com/v1/${completion.key}`,
          },
          createTime: store.timestamp(),
          updateTime: store.timestamp(),
          uniqueId: store.nextId(),
          __createdMs: store.clock.now(),
        });
      }
    }
    return;
  }
  if (completion.kind === 'cluster-removed') {
    const cluster = store.get(CLUSTERS, completion.key);
    if (!cluster) return;
    await hooks.onClusterDeleted?.(cluster);
    store.remove(CLUSTERS, completion.key);
    for (const [key, membership] of Object.entries(store.collection('gkehub.memberships'))) {
      const link = ((membership.endpoint as Json | undefined)?.gkeCluster as Json | undefined)
        ?.resourceLink;
      if (link === `//container.googleapis.com/${completion.key}`)
        store.remove('gkehub.memberships', key);
    }
    return;
  }
  if (completion.kind === 'node-pool-status' || completion.kind === 'node-pool-removed') {
    const cluster = store.get(CLUSTERS, completion.key);
    if (!cluster) return;
    const pools = cluster.nodePools as Json[];
    if (completion.kind === 'node-pool-removed') {
      cluster.nodePools = pools.filter((p) => p.name !== completion.pool);
      return;
    }
    const pool = pools.find((p) => p.name === completion.pool);
    if (pool) {
      pool.status = completion.status;
      if (completion.message) pool.statusMessage = completion.message;
    }
    return;
  }
  throw new Error(`No completion ${completion.kind} for operation ${op.key}`);
}
