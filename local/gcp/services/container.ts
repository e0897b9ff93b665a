import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import { createCluster, deleteCluster, listClusters } from './container-clusters.js';
import {
  createNodePool,
  deleteNodePool,
  findPool,
  updateNodePool,
} from './container-node-pools.js';
import { getOperation, listOperations, requireCluster } from './container-operations.js';
import { setNetworkPolicy, setResourceLabels, updateCluster } from './container-updates.js';

export { containerCompletion } from './container-completion.js';

/**
 * container v1: clusters and node pools under `projects/*\/locations/*` and the legacy
 * `projects/*\/zones/*` paths gcloud uses, with GKE's one-operation-at-a-time rule and the
 * fields the API fills in (endpoints, versions, default pool, fleet membership).
 */

const table = {
  'clusters.create': createCluster,
  'clusters.get': (req: SimRequest) => ok(requireCluster(req).cluster),
  'clusters.list': listClusters,
  'clusters.delete': deleteCluster,
  'clusters.update': updateCluster,
  'clusters.setResourceLabels': setResourceLabels,
  // The zones path names the same method `resourceLabels`.
  'clusters.resourceLabels': setResourceLabels,
  'clusters.setNetworkPolicy': setNetworkPolicy,
  'clusters.nodePools.create': createNodePool,
  'clusters.nodePools.get': (req: SimRequest) => ok(findPool(req).pool),
  'clusters.nodePools.list': (req: SimRequest) =>
    ok({ nodePools: requireCluster(req).cluster.nodePools }),
  'clusters.nodePools.delete': deleteNodePool,
  'clusters.nodePools.update': updateNodePool,
  'operations.get': getOperation,
  'operations.list': listOperations,
};

/** container v1 handlers by method id, for both the locations and the zones paths. */
export const containerHandlers: HandlerTable = Object.fromEntries(
  Object.entries(table).flatMap(([suffix, handler]) => [
    [`container.projects.locations.${suffix}`, handler],
    [`container.projects.zones.${suffix}`, handler],
  ]),
);
