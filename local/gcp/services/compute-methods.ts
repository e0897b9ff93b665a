import { GoogleApiError, computeAlreadyExists, invalidField } from '../api-error.js';
import { ok, type Reply, type SimRequest } from '../handler.js';
import { type Json } from '../store.js';
import { lastSegment, requireName } from './shared.js';
import {
  collectionOf,
  computeLink,
  dedupe,
  requireAddressed,
  resourcePath,
  startComputeOperation,
  type Kind,
} from './compute-operations.js';
/** The compute v1 methods every resource kind has: insert, get, list, aggregatedList, delete, patch. */

function newResource(req: SimRequest, kind: Kind, name: string): Json {
  const path = resourcePath(req, kind, name);
  const id = req.store.nextId();
  const resource: Json = {
    kind: kind.kind,
    id,
    creationTimestamp: req.store.timestamp(),
    name,
    selfLink: computeLink(path),
  };
  if (kind.regional)
    resource.region = computeLink(`projects/${req.params.project}/regions/${req.params.region}`);
  return resource;
}

export function insertHandler(kind: Kind, build: (req: SimRequest, resource: Json) => Json) {
  return async (req: SimRequest): Promise<Reply> => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const name = requireName(req.body.name);
    const path = resourcePath(req, kind, name);
    if (req.store.get(collectionOf(kind), path)) throw computeAlreadyExists(path);
    const resource = build(req, { ...req.body, ...newResource(req, kind, name) });
    req.store.put(collectionOf(kind), path, resource);
    return startComputeOperation(req, kind, {
      operationType: 'insert',
      targetPath: path,
      targetId: String(resource.id),
      onDone: { kind: 'none' },
      onError: { kind: 'remove', collection: collectionOf(kind), key: path },
    });
  };
}

export function getHandler(kind: Kind) {
  return (req: SimRequest): Reply => {
    return ok(requireAddressed(req, kind).resource);
  };
}

export function listHandler(kind: Kind) {
  return (req: SimRequest): Reply => {
    const { project, region } = req.params;
    const prefix = `projects/${project}/${kind.regional ? `regions/${region}` : 'global'}/${kind.plural}`;
    const items = req.store.list(collectionOf(kind), `${prefix}/`);
    const body: Json = {
      kind: `${kind.kind}List`,
      id: prefix,
      selfLink: computeLink(prefix),
    };
    if (items.length > 0) body.items = items;
    return ok(body);
  };
}

export function aggregatedListHandler(kind: Kind) {
  return (req: SimRequest): Reply => {
    const prefix = `projects/${req.params.project}/`;
    const items: Record<string, Json> = {};
    for (const resource of req.store.list(collectionOf(kind), prefix)) {
      const scope = `regions/${lastSegment(String(resource.region))}`;
      const entry = (items[scope] ??= { [kind.plural]: [] });
      (entry[kind.plural] as Json[]).push(resource);
    }
    return ok({
      kind: `${kind.kind}AggregatedList`,
      id: `projects/${req.params.project}/aggregated/${kind.plural}`,
      items,
      selfLink: computeLink(`projects/${req.params.project}/aggregated/${kind.plural}`),
    });
  };
}

export function deleteHandler(kind: Kind, checkInUse?: (req: SimRequest, path: string) => void) {
  return async (req: SimRequest): Promise<Reply> => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const { path, resource } = requireAddressed(req, kind);
    checkInUse?.(req, path);
    return startComputeOperation(req, kind, {
      operationType: 'delete',
      targetPath: path,
      targetId: String(resource.id),
      latency: 'compute-delete',
      onDone: { kind: 'remove', collection: collectionOf(kind), key: path },
      onError: { kind: 'none' },
    });
  };
}

/** The fields a patch may not change, per kind (the rest are mutable on Google too). */
const immutableOnPatch: Record<string, string[]> = {
  networks: ['name', 'autoCreateSubnetworks', 'IPv4Range'],
  subnetworks: ['name', 'network', 'region'],
  routers: ['name', 'network', 'region'],
  firewalls: ['name', 'network', 'direction'],
};

export function patchHandler(
  kind: Kind,
  validate: (req: SimRequest, merged: Json, path: string) => void,
) {
  return async (req: SimRequest): Promise<Reply> => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const { path, resource: current } = requireAddressed(req, kind);
    for (const field of immutableOnPatch[kind.plural] ?? []) {
      const given = req.body[field];
      if (given === undefined) continue;
      const same =
        field === 'network' || field === 'region'
          ? lastSegment(String(given)) === lastSegment(String(current[field]))
          : JSON.stringify(given) === JSON.stringify(current[field]);
      if (!same)
        throw invalidField(
          `resource.${field}`,
          `Invalid value for field 'resource.${field}': field is immutable.`,
        );
    }
    if (
      kind.plural === 'subnetworks' &&
      req.body.fingerprint !== undefined &&
      req.body.fingerprint !== current.fingerprint
    ) {
      throw new GoogleApiError(
        412,
        'Supplied fingerprint does not match current resource fingerprint.',
        {
          status: 'FAILED_PRECONDITION',
          reason: 'conditionNotMet',
        },
      );
    }
    const readOnly = [
      'kind',
      'id',
      'creationTimestamp',
      'selfLink',
      'region',
      'network',
      'name',
      'fingerprint',
    ];
    const changes = Object.fromEntries(
      Object.entries(req.body).filter(([k]) => !readOnly.includes(k)),
    );
    const merged: Json = { ...current, ...changes };
    validate(req, merged, path);
    if (kind.plural === 'subnetworks') merged.fingerprint = req.store.etag();
    req.store.put(collectionOf(kind), path, merged);
    return startComputeOperation(req, kind, {
      operationType: 'patch',
      targetPath: path,
      targetId: String(current.id),
      latency: kind.plural === 'routers' && changes.nats ? 'nat' : kind.latency,
      onDone: { kind: 'none' },
      onError: { kind: 'patch', collection: collectionOf(kind), key: path, fields: current },
    });
  };
}
