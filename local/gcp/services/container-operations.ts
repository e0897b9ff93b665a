import { GoogleApiError } from '../api-error.js';
import { DEFER, ok, type Reply, type SimRequest } from '../handler.js';
import { ORIGIN } from '../store.js';
import type { Completion, Json, SimStore, StoredOperation } from '../store.js';

/**
 * What every container v1 method shares: where a request points (project, location, cluster),
 * GKE's one-operation-at-a-time rule, and the operations themselves (start, render, get, list).
 */

export const CLUSTERS = 'container.clusters';
/** The GKE version every simulated cluster and node pool runs. */
export const GKE_VERSION = '1.30.5-gke.1014001';

export interface Location {
  project: string;
  location: string;
}

export function locationOf(req: SimRequest): Location {
  return {
    project: req.params.projectsId ?? req.params.projectId!,
    location: req.params.locationsId ?? req.params.zone!,
  };
}

export function clusterKey(loc: Location, name: string): string {
  return `projects/${loc.project}/locations/${loc.location}/clusters/${name}`;
}

function clusterName(req: SimRequest): string {
  return req.params.clustersId ?? req.params.clusterId!;
}

/** GKE links say `zones/` for a zonal location, `locations/` for a region. */
export function linkScope(location: string): string {
  return /-[a-z]$/.test(location) ? `zones/${location}` : `locations/${location}`;
}

export function requireCluster(req: SimRequest): { key: string; cluster: Json; loc: Location } {
  const loc = locationOf(req);
  const name = clusterName(req);
  const key = clusterKey(loc, name);
  const cluster = req.store.get(CLUSTERS, key);
  if (!cluster) {
    throw new GoogleApiError(
      404,
      `Not found: projects/${loc.project}/${linkScope(loc.location)}/clusters/${name}.`,
    );
  }
  return { key, cluster, loc };
}

/** GKE refuses a second operation on a cluster while one runs: 400 FAILED_PRECONDITION. */
export function requireIdle(store: SimStore, key: string): void {
  const running = store.runningOn(key).find((op) => op.api === 'container');
  if (running) {
    throw new GoogleApiError(400, `Cluster is running incompatible operation ${running.name}.`, {
      status: 'FAILED_PRECONDITION',
      reason: 'failedPrecondition',
    });
  }
}

function renderOperation(store: SimStore, op: StoredOperation): Json {
  const number = store.projectNumber(op.project);
  const location =
    op.scope.kind === 'zone' ? op.scope.zone : op.scope.kind === 'region' ? op.scope.region : '-';
  const body: Json = {
    name: op.name,
    zone: location,
    operationType: op.operationType,
    status: op.status,
    selfLink: `${ORIGIN}/v1/projects/${number}/${linkScope(location)}/operations/${op.name}`,
    targetLink: `${ORIGIN}/v1/projects/${number}/${linkScope(location)}/${op.targetPath.split('/').slice(4).join('/')}`,
    startTime: op.insertTime,
  };
  if (op.endTime) body.endTime = op.endTime;
  if (op.status === 'DONE' && op.error) {
    body.error = op.error;
    body.statusMessage = op.error.message;
  }
  return body;
}

export async function startOperation(
  req: SimRequest,
  loc: Location,
  input: {
    type: string;
    targetPath: string;
    kind:
      | 'cluster'
      | 'cluster-delete'
      | 'cluster-update'
      | 'node-pool'
      | 'node-pool-delete'
      | 'node-pool-update';
    onDone: Completion;
    onError: Completion;
  },
): Promise<Reply> {
  const op = await req.store.startOperation({
    api: 'container',
    kind: input.kind,
    keyPrefix: `projects/${loc.project}/locations/${loc.location}/operations`,
    project: loc.project,
    scope: /-[a-z]$/.test(loc.location)
      ? { kind: 'zone', zone: loc.location }
      : { kind: 'region', region: loc.location },
    operationType: input.type,
    targetPath: input.targetPath,
    targetId: '',
    onDone: input.onDone,
    onError: input.onError,
    error: req.fault.kind === 'operation-error' ? req.fault.error : undefined,
  });
  return ok(renderOperation(req.store, op));
}

export function getOperation(req: SimRequest): Reply | typeof DEFER {
  const loc = locationOf(req);
  const name = req.params.operationsId ?? req.params.operationId!;
  const op =
    req.store.state.operations[
      `projects/${loc.project}/locations/${loc.location}/operations/${name}`
    ];
  // gkehub shares this path shape: its operations are served by its own handler.
  if (op?.api === 'gkehub') return DEFER;
  if (!op || op.api !== 'container') {
    throw new GoogleApiError(
      404,
      `Operation "projects/${loc.project}/locations/${loc.location}/operations/${name}" not found.`,
    );
  }
  return ok(renderOperation(req.store, op));
}

export function listOperations(req: SimRequest): Reply | typeof DEFER {
  const loc = locationOf(req);
  if (loc.location === 'global') return DEFER;
  const prefix = `projects/${loc.project}/locations/${loc.location === '-' ? '' : loc.location}`;
  const operations = Object.values(req.store.state.operations)
    .filter((op) => op.api === 'container' && op.key.startsWith(prefix))
    .map((op) => renderOperation(req.store, op));
  return ok({ operations });
}

/**
 * Deletes the cluster at `key`, or its node pool `pool`, as GKE does: the resource STOPPING while
 * the DELETE operation runs, refused while another operation runs on the cluster.
 */
export function startDeletion(
  req: SimRequest,
  loc: Location,
  key: string,
  resource: Json,
  pool?: string,
): Promise<Reply> {
  requireIdle(req.store, key);
  resource.status = 'STOPPING';
  const removed: Completion =
    pool === undefined
      ? { kind: 'cluster-removed', key }
      : { kind: 'node-pool-removed', key, pool };
  const failed: Completion =
    pool === undefined
      ? { kind: 'patch', collection: CLUSTERS, key, fields: { status: 'ERROR' } }
      : { kind: 'node-pool-status', key, pool, status: 'ERROR' };
  return startOperation(req, loc, {
    type: pool === undefined ? 'DELETE_CLUSTER' : 'DELETE_NODE_POOL',
    targetPath: pool === undefined ? key : `${key}/nodePools/${pool}`,
    kind: pool === undefined ? 'cluster-delete' : 'node-pool-delete',
    onDone: removed,
    onError: failed,
  });
}
