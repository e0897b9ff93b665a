import { computeNotFound } from '../api-error.js';
import { ok, type Reply, type SimRequest } from '../handler.js';
import type { OperationKind } from '../latency.js';
import {
  ORIGIN,
  type Completion,
  type Json,
  type OperationScope,
  type SimStore,
  type StoredOperation,
} from '../store.js';

/**
 * What every compute v1 method shares: links and references, the resource kinds and where they
 * live, the operations (start, render, get, list) and requestId deduplication.
 */

export const base = `${ORIGIN}/compute/v1/`;

/** A compute link, e.g. `http://gcp-sim.origin/compute/v1/projects/p/global/networks/n`. */
export function computeLink(relative: string): string {
  return base + relative;
}

/**
 * Resolves a reference as the API accepts it (full URL on any host, `projects/...`,
 * `global/networks/n`, `regions/r/...` or a bare name) to `projects/p/<kind path>/<name>`.
 */
export function resolveComputeRef(
  value: string,
  project: string,
  kindPath: string,
  region?: string,
): string {
  const projectMatch = /(?:^|\/)(projects\/[^/]+\/.+)$/.exec(value);
  if (projectMatch?.[1]) return projectMatch[1];
  if (value.startsWith('global/') || value.startsWith('regions/') || value.startsWith('zones/')) {
    return `projects/${project}/${value}`;
  }
  const scope = region ? `regions/${region}` : 'global';
  return `projects/${project}/${scope}/${kindPath}/${value}`;
}

function scopePath(scope: OperationScope): string {
  if (scope.kind === 'global') return 'global';
  return scope.kind === 'region' ? `regions/${scope.region}` : `zones/${scope.zone}`;
}

/** Renders a compute operation the way compute answers it. */
function renderComputeOperation(op: StoredOperation): Json {
  const body: Json = {
    kind: 'compute#operation',
    id: op.id,
    name: op.name,
    operationType: op.operationType,
    targetLink: computeLink(op.targetPath),
    targetId: op.targetId,
    status: op.status,
    user: 'simulator@example.com',
    progress: op.status === 'DONE' ? 100 : 0,
    insertTime: op.insertTime,
    startTime: op.insertTime,
    selfLink: computeLink(op.key),
  };
  if (op.scope.kind === 'region')
    body.region = computeLink(`projects/${op.project}/regions/${op.scope.region}`);
  if (op.scope.kind === 'zone')
    body.zone = computeLink(`projects/${op.project}/zones/${op.scope.zone}`);
  if (op.endTime) body.endTime = op.endTime;
  if (op.status === 'DONE' && op.error) {
    body.error = { errors: [{ code: 'OPERATION_FAILED', message: op.error.message }] };
    body.httpErrorStatusCode = 400;
    body.httpErrorMessage = 'BAD REQUEST';
  }
  return body;
}

export interface Kind {
  /** Collection name and URL segment, e.g. `networks`. */
  plural: string;
  kind: string;
  regional: boolean;
  latency: OperationKind;
}

export const kinds = {
  networks: { plural: 'networks', kind: 'compute#network', regional: false, latency: 'network' },
  subnetworks: {
    plural: 'subnetworks',
    kind: 'compute#subnetwork',
    regional: true,
    latency: 'subnetwork',
  },
  routers: { plural: 'routers', kind: 'compute#router', regional: true, latency: 'router' },
  firewalls: {
    plural: 'firewalls',
    kind: 'compute#firewall',
    regional: false,
    latency: 'firewall',
  },
} satisfies Record<string, Kind>;

export function resourcePath(req: SimRequest, kind: Kind, name: string): string {
  const { project, region } = req.params;
  const scope = kind.regional ? `regions/${region}` : 'global';
  return `projects/${project}/${scope}/${kind.plural}/${name}`;
}

export function collectionOf(kind: Kind): string {
  return `compute.${kind.plural}`;
}

export async function startComputeOperation(
  req: SimRequest,
  kind: Kind,
  input: {
    operationType: string;
    targetPath: string;
    targetId: string;
    latency?: OperationKind;
    onDone: Completion;
    onError: Completion;
  },
): Promise<Reply> {
  const { store } = req;
  const project = req.params.project!;
  const scope: OperationScope = kind.regional
    ? { kind: 'region', region: req.params.region! }
    : { kind: 'global' };
  const op = await store.startOperation({
    api: 'compute',
    kind: input.latency ?? kind.latency,
    keyPrefix: `projects/${project}/${scopePath(scope)}/operations`,
    project,
    scope,
    operationType: input.operationType,
    targetPath: input.targetPath,
    targetId: input.targetId,
    onDone: input.onDone,
    onError: input.onError,
    error: req.fault.kind === 'operation-error' ? req.fault.error : undefined,
  });
  const requestId = req.query.get('requestId');
  if (requestId) store.state.requestIds[`${project}/${requestId}`] = op.key;
  return ok(renderComputeOperation(op));
}

/** A repeated requestId answers the operation of the first request, changing nothing. */
export function dedupe(req: SimRequest): Reply | undefined {
  const requestId = req.query.get('requestId');
  if (!requestId) return undefined;
  const key = req.store.state.requestIds[`${req.params.project}/${requestId}`];
  const op = key ? req.store.state.operations[key] : undefined;
  return op ? ok(renderComputeOperation(op)) : undefined;
}

function requireResource(store: SimStore, kind: Kind, path: string): Json {
  const found = store.get(collectionOf(kind), path);
  if (!found) throw computeNotFound(path);
  return found;
}

/** The resource a per-resource method names in its path; compute's 404 when there is none. */
export function requireAddressed(req: SimRequest, kind: Kind): { path: string; resource: Json } {
  const name = req.params[kind.plural === 'firewalls' ? 'firewall' : kind.plural.slice(0, -1)]!;
  const path = resourcePath(req, kind, name);
  return { path, resource: requireResource(req.store, kind, path) };
}

function operationScope(req: SimRequest): OperationScope {
  if (req.params.region) return { kind: 'region', region: req.params.region };
  if (req.params.zone) return { kind: 'zone', zone: req.params.zone };
  return { kind: 'global' };
}

function operationKey(req: SimRequest): string {
  return `projects/${req.params.project}/${scopePath(operationScope(req))}/operations/${req.params.operation}`;
}

export function getOperation(req: SimRequest): Reply {
  const key = operationKey(req);
  const prefix = key.slice(0, key.lastIndexOf('/') + 1);
  const op =
    req.store.state.operations[key] ??
    Object.values(req.store.state.operations).find(
      (o) => o.id === req.params.operation && o.key.startsWith(prefix),
    );
  if (!op || op.api !== 'compute') throw computeNotFound(key);
  return ok(renderComputeOperation(op));
}

export function listOperations(req: SimRequest): Reply {
  const prefix = `projects/${req.params.project}/${scopePath(operationScope(req))}/operations/`;
  const items = Object.values(req.store.state.operations)
    .filter((op) => op.api === 'compute' && op.key.startsWith(prefix))
    .map(renderComputeOperation);
  const body: Json = {
    kind: 'compute#operationList',
    id: prefix.slice(0, -1),
    selfLink: computeLink(prefix.slice(0, -1)),
  };
  if (items.length > 0) body.items = items;
  return ok(body);
}
