import { GoogleApiError, invalidField } from '../api-error.js';
import { durationMs } from '../latency.js';
import { ok, type HandlerTable, type Reply, type SimRequest } from '../handler.js';
import type { Json, SimStore } from '../store.js';
import { renderLongRunning } from './lro.js';

/**
 * gkehub v1: memberships, features and operations. With the servicemesh feature's fleet
 * default `mesh.management = MANAGEMENT_AUTOMATIC`, each membership's control plane goes
 * PROVISIONING → ACTIVE (REVISION_READY) after the latency model's mesh delay, computed when
 * `features.get` is read so no timer is needed.
 */

const memberships = 'gkehub.memberships';
const features = 'gkehub.features';

function parent(req: SimRequest): string {
  return `projects/${req.params.projectsId}/locations/${req.params.locationsId}`;
}

function visible(resource: Json): Json {
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !k.startsWith('__')));
}

async function lro(
  req: SimRequest,
  input: {
    verb: string;
    target: string;
    kind: 'membership' | 'feature';
    response: Json;
    onDone?: Json;
  },
): Promise<Reply> {
  const op = await req.store.startOperation({
    api: 'gkehub',
    kind: input.kind,
    keyPrefix: `${parent(req)}/operations`,
    project: req.params.projectsId!,
    scope: { kind: 'global' },
    operationType: input.verb,
    targetPath: input.target,
    targetId: '',
    onDone: input.onDone
      ? { kind: 'patch', collection: memberships, key: input.target, fields: input.onDone }
      : { kind: 'none' },
    onError: { kind: 'none' },
    error: req.fault.kind === 'operation-error' ? req.fault.error : undefined,
    response: input.response,
    metadata: {
      '@type': 'type.googleapis.com/google.cloud.gkehub.v1.OperationMetadata',
      createTime: req.store.timestamp(),
      target: input.target,
      verb: input.verb,
      apiVersion: 'v1',
    },
  });
  return ok(renderLongRunning(op));
}

function meshAutomatic(feature: Json, membershipName: string): boolean {
  const specs = (feature.membershipSpecs as Record<string, Json> | undefined) ?? {};
  const own = Object.entries(specs).find(([k]) =>
    k.endsWith(`/memberships/${membershipName}`),
  )?.[1];
  const management =
    ((own?.mesh as Json | undefined)?.management as string | undefined) ??
    (((feature.fleetDefaultMemberConfig as Json | undefined)?.mesh as Json | undefined)
      ?.management as string | undefined);
  return management === 'MANAGEMENT_AUTOMATIC';
}

/** The per-membership states `features.get` reports for the servicemesh feature. */
function meshStates(store: SimStore, feature: Json, project: string): Record<string, Json> {
  const states: Record<string, Json> = {};
  const number = store.projectNumber(project);
  for (const membership of store.list(memberships, `projects/${project}/locations/`)) {
    const id = String(membership.name).split('/').pop()!;
    if (!meshAutomatic(feature, id)) continue;
    const since = Math.max(Number(membership.__createdMs ?? 0), Number(feature.__meshSinceMs ?? 0));
    const active = since + durationMs('mesh-active', store.timeScale) <= store.clock.now();
    const state = active ? 'ACTIVE' : 'PROVISIONING';
    const details = active
      ? [{ code: 'REVISION_READY', details: 'Ready: asm-managed' }]
      : [{ code: 'PROVISIONING', details: 'Provisioning in progress' }];
    states[`projects/${number}/locations/global/memberships/${id}`] = {
      servicemesh: {
        controlPlaneManagement: { state, details, implementation: 'TRAFFIC_DIRECTOR' },
        dataPlaneManagement: { state, details: active ? [] : details },
      },
      state: {
        code: active ? 'OK' : 'WARNING',
        description: active
          ? 'Revision ready for use: asm-managed.'
          : 'Please see https://cloud.google.com/service-mesh/docs/install for details.',
        updateTime: store.timestamp(),
      },
    };
  }
  return states;
}

function renderFeature(req: SimRequest, feature: Json): Json {
  const out = visible(feature);
  if (String(feature.name).endsWith('/features/servicemesh')) {
    const states = meshStates(req.store, feature, req.params.projectsId!);
    if (Object.keys(states).length > 0) out.membershipStates = states;
  }
  return out;
}

function setByMask(target: Json, source: Json, mask: string | null): void {
  const paths = mask ? mask.split(',').map((p) => p.trim()) : Object.keys(source);
  for (const path of paths) {
    const top = path.split('.')[0]!;
    if (source[top] === undefined) delete target[top];
    else target[top] = source[top];
  }
}

/** What memberships and features share: where they live, their operations and their errors. */
interface HubResource {
  collection: string;
  /** The path segment and the method ids' resource name: `memberships`, `features`. */
  segment: 'memberships' | 'features';
  /** The request parameter and query field that name one: `membershipsId`, `featureId`... */
  idParam: string;
  idField: string;
  kind: 'membership' | 'feature';
  type: string;
  notFound: (key: string) => string;
  alreadyExists: (key: string) => string;
  render: (req: SimRequest, resource: Json) => Json;
}

const MEMBERSHIP: HubResource = {
  collection: memberships,
  segment: 'memberships',
  idParam: 'membershipsId',
  idField: 'membershipId',
  kind: 'membership',
  type: 'type.googleapis.com/google.cloud.gkehub.v1.Membership',
  notFound: (key) => `membership "${key}" not found`,
  alreadyExists: (key) => `Membership "${key}" already exists.`,
  render: (_req, membership) => visible(membership),
};

const FEATURE: HubResource = {
  collection: features,
  segment: 'features',
  idParam: 'featuresId',
  idField: 'featureId',
  kind: 'feature',
  type: 'type.googleapis.com/google.cloud.gkehub.v1.Feature',
  notFound: (key) => `Resource '${key}' was not found`,
  alreadyExists: (key) => `Resource '${key}' already exists`,
  render: renderFeature,
};

function requireResource(req: SimRequest, hub: HubResource): { key: string; resource: Json } {
  const key = `${parent(req)}/${hub.segment}/${req.params[hub.idParam]}`;
  const resource = req.store.get(hub.collection, key);
  if (!resource) throw new GoogleApiError(404, hub.notFound(key));
  return { key, resource };
}

/**
 * Stores a new resource from the request body and answers its create operation. `state` comes
 * right after the name, `extra` (evaluated once the name is known to be free) after the times.
 */
function createResource(
  req: SimRequest,
  hub: HubResource,
  fields: { state: Json; extra?: () => Json; response?: Json; onDone?: Json },
): Promise<Reply> {
  const id = req.query.get(hub.idField);
  if (!id) throw invalidField(hub.idField, `${hub.idField} is required.`);
  const key = `${parent(req)}/${hub.segment}/${id}`;
  if (req.store.get(hub.collection, key)) {
    throw new GoogleApiError(409, hub.alreadyExists(key));
  }
  const resource: Json = {
    ...req.body,
    name: key,
    ...fields.state,
    createTime: req.store.timestamp(),
    updateTime: req.store.timestamp(),
    ...fields.extra?.(),
  };
  req.store.put(hub.collection, key, resource);
  return lro(req, {
    verb: 'create',
    target: key,
    kind: hub.kind,
    response: { '@type': hub.type, ...visible(resource), ...fields.response },
    onDone: fields.onDone,
  });
}

/** A hook told of a patch: the resource as patched, and as it was. */
type Patched = (req: SimRequest, resource: Json, before: Json) => void;

/** The `updateMask` fields of the body set on a resource, `patched` told what changed. */
function patchHandler(hub: HubResource, patched?: Patched) {
  return (req: SimRequest): Promise<Reply> => {
    const { key, resource } = requireResource(req, hub);
    const before = structuredClone(resource);
    setByMask(resource, req.body, req.query.get('updateMask'));
    patched?.(req, resource, before);
    resource.updateTime = req.store.timestamp();
    req.store.onChange();
    return lro(req, {
      verb: 'update',
      target: key,
      kind: hub.kind,
      response: { '@type': hub.type, ...visible(resource) },
    });
  };
}

/** get, list, patch and delete of one kind of resource, by method id. */
function resourceHandlers(hub: HubResource, patched?: Patched) {
  const method = `gkehub.projects.locations.${hub.segment}`;
  return {
    [`${method}.get`]: (req: SimRequest) => {
      return ok(hub.render(req, requireResource(req, hub).resource));
    },
    [`${method}.list`]: (req: SimRequest) => {
      const resources = req.store
        .list(hub.collection, `${parent(req)}/${hub.segment}/`)
        .map((resource) => hub.render(req, resource));
      return ok(resources.length > 0 ? { resources } : {});
    },
    [`${method}.patch`]: patchHandler(hub, patched),
    [`${method}.delete`]: (req: SimRequest) => {
      const { key } = requireResource(req, hub);
      req.store.remove(hub.collection, key);
      return lro(req, {
        verb: 'delete',
        target: key,
        kind: hub.kind,
        response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
      });
    },
  };
}

/** gkehub v1 handlers by method id. */
export const gkehubHandlers: HandlerTable = {
  'gkehub.projects.locations.memberships.create': (req) =>
    createResource(req, MEMBERSHIP, {
      state: { state: { code: 'CREATING' } },
      extra: () => ({ uniqueId: req.store.nextId(), __createdMs: req.store.clock.now() }),
      response: { state: { code: 'READY' } },
      onDone: { state: { code: 'READY' } },
    }),
  ...resourceHandlers(MEMBERSHIP),
  'gkehub.projects.locations.features.create': (req) =>
    createResource(req, FEATURE, {
      state: { resourceState: { state: 'ACTIVE' } },
      extra: () => ({ __meshSinceMs: req.store.clock.now() }),
    }),
  // A new fleet default restarts the mesh provisioning of every membership.
  ...resourceHandlers(FEATURE, (req, feature, before) => {
    const now = JSON.stringify(feature.fleetDefaultMemberConfig ?? null);
    if (now !== JSON.stringify(before.fleetDefaultMemberConfig ?? null))
      feature.__meshSinceMs = req.store.clock.now();
  }),
  'gkehub.projects.locations.operations.get': (req) => {
    const key = `${parent(req)}/operations/${req.params.operationsId}`;
    const op = req.store.state.operations[key];
    if (!op || op.api !== 'gkehub')
      throw new GoogleApiError(404, `Resource '${key}' was not found`);
    return ok(renderLongRunning(op));
  },
  'gkehub.projects.locations.operations.list': (req) => {
    const operations = Object.values(req.store.state.operations)
      .filter((op) => op.api === 'gkehub' && op.key.startsWith(`${parent(req)}/operations/`))
      .map(renderLongRunning);
    return ok({ operations });
  },
};
