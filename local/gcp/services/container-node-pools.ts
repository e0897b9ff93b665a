import { GoogleApiError, invalidField } from '../api-error.js';
import type { Reply, SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { requireName } from './shared.js';
import {
  CLUSTERS,
  linkScope,
  requireCluster,
  requireIdle,
  startDeletion,
  startOperation,
  type Location,
} from './container-operations.js';
import { normalizePool } from './container-clusters.js';
/** container v1 node pools: create, delete and the config updates the product sends. */

function poolName(req: SimRequest): string {
  return req.params.nodePoolsId ?? req.params.nodePoolId!;
}

export function findPool(req: SimRequest): {
  key: string;
  cluster: Json;
  pool: Json;
  loc: Location;
} {
  const { key, cluster, loc } = requireCluster(req);
  const name = poolName(req);
  const pool = (cluster.nodePools as Json[]).find((p) => p.name === name);
  if (!pool) {
    throw new GoogleApiError(
      404,
      `nodePool "projects/${loc.project}/locations/${loc.location}/clusters/${String(cluster.name)}/nodePools/${name}" not found`,
    );
  }
  return { key, cluster, pool, loc };
}

export async function createNodePool(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  const input = (req.body.nodePool as Json | undefined) ?? {};
  const name = requireName(input.name, 'node_pool.name');
  if ((cluster.nodePools as Json[]).some((p) => p.name === name)) {
    throw new GoogleApiError(
      409,
      `Already exists: projects/${loc.project}/${linkScope(loc.location)}/clusters/${String(cluster.name)}/nodePools/${name}.`,
    );
  }
  requireIdle(req.store, key);
  const subnetPath = String((cluster.networkConfig as Json).subnetwork);
  const pool = normalizePool(req.store, loc, input, 'node_pool', subnetPath);
  pool.selfLink = String(pool.selfLink).replace('__CLUSTER__', String(cluster.name));
  (cluster.nodePools as Json[]).push(pool);
  req.store.onChange();
  return startOperation(req, loc, {
    type: 'CREATE_NODE_POOL',
    targetPath: `${key}/nodePools/${name}`,
    kind: 'node-pool',
    onDone: { kind: 'node-pool-status', key, pool: name, status: 'RUNNING' },
    onError: {
      kind: 'node-pool-status',
      key,
      pool: name,
      status: 'ERROR',
      message: 'Node pool creation failed.',
    },
  });
}

export async function deleteNodePool(req: SimRequest): Promise<Reply> {
  const { key, pool, loc } = findPool(req);
  return startDeletion(req, loc, key, pool, String(pool.name));
}

/** UpdateNodePoolRequest fields the simulator applies; others are refused by name. */
const NODE_POOL_UPDATES = new Set(['taints', 'workloadMetadataConfig', 'labels']);
/** Fields that identify the pool or may be repeated unchanged (`nodeVersion: '-'`). */
const NODE_POOL_ADDRESSING = new Set([
  'name',
  'projectId',
  'zone',
  'clusterId',
  'nodePoolId',
  'nodeVersion',
  'imageType',
  'etag',
]);

/**
 * `nodePools.update`: applies taints, workload metadata and labels to the pool's config as an
 * UPGRADE_NODES operation (the pool RECONCILING meanwhile), one operation per cluster at a time.
 */
export async function updateNodePool(req: SimRequest): Promise<Reply> {
  const { key, cluster, pool, loc } = findPool(req);
  for (const field of Object.keys(req.body)) {
    if (!NODE_POOL_UPDATES.has(field) && !NODE_POOL_ADDRESSING.has(field)) {
      throw invalidField(field, `The GCP simulator does not serve ${field} node pool updates.`);
    }
  }
  const imageType = req.body.imageType;
  const config = pool.config as Json;
  if (imageType !== undefined && imageType !== config.imageType) {
    throw invalidField('imageType', 'The GCP simulator does not change node images.');
  }
  requireIdle(req.store, key);
  const nextConfig: Json = structuredClone(config);
  if (req.body.taints !== undefined) {
    nextConfig.taints = ((req.body.taints as Json).taints as Json[] | undefined) ?? [];
  }
  if (req.body.workloadMetadataConfig !== undefined) {
    nextConfig.workloadMetadataConfig = req.body.workloadMetadataConfig;
  }
  if (req.body.labels !== undefined) {
    nextConfig.labels = (req.body.labels as Json).labels ?? {};
  }
  const pools = cluster.nodePools as Json[];
  const settled = (next: Json) =>
    pools.map((p) => (p.name === pool.name ? { ...p, config: next, status: 'RUNNING' } : p));
  const isFirst = pools[0]?.name === pool.name;
  pool.status = 'RECONCILING';
  req.store.onChange();
  return startOperation(req, loc, {
    type: 'UPGRADE_NODES',
    targetPath: `${key}/nodePools/${String(pool.name)}`,
    kind: 'node-pool-update',
    onDone: {
      kind: 'patch',
      collection: CLUSTERS,
      key,
      // The cluster's nodeConfig mirrors its first pool's, as GKE reports it.
      fields: { nodePools: settled(nextConfig), ...(isFirst ? { nodeConfig: nextConfig } : {}) },
    },
    onError: { kind: 'patch', collection: CLUSTERS, key, fields: { nodePools: settled(config) } },
  });
}
