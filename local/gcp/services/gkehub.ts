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

function requireMembership(req: SimRequest): { key: string; membership: Json } {
  const key = `${parent(req)}/memberships/${req.params.membershipsId}`;
  const membership = req.store.get(memberships, key);
  if (!membership) throw new GoogleApiError(404, `membership "${key}" not found`);
  return { key, membership };
}

function requireFeature(req: SimRequest): { key: string; feature: Json } {
  const key = `${parent(req)}/features/${req.params.featuresId}`;
  const feature = req.store.get(features, key);
  if (!feature) throw new GoogleApiError(404, `Resource '${key}' was not found`);
  return { key, feature };
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

/** gkehub v1 handlers by method id. */
export const gkehubHandlers: HandlerTable = {
  'gkehub.projects.locations.memberships.create': (req) => {
    const id = req.query.get('membershipId');
    if (!id) throw invalidField('membershipId', 'membershipId is required.');
    const key = `${parent(req)}/memberships/${id}`;
    if (req.store.get(memberships, key))
      throw new GoogleApiError(409, `Membership "${key}" already exists.`);
    const membership: Json = {
      ...req.body,
      name: key,
      state: { code: 'CREATING' },
      createTime: req.store.timestamp(),
      updateTime: req.store.timestamp(),
      uniqueId: req.store.nextId(),
      __createdMs: req.store.clock.now(),
    };
    req.store.put(memberships, key, membership);
    return lro(req, {
      verb: 'create',
      target: key,
      kind: 'membership',
      response: {
        '@type': 'type.googleapis.com/google.cloud.gkehub.v1.Membership',
        ...visible(membership),
        state: { code: 'READY' },
      },
      onDone: { state: { code: 'READY' } },
    });
  },
  'gkehub.projects.locations.memberships.get': (req) =>
    ok(visible(requireMembership(req).membership)),
  'gkehub.projects.locations.memberships.list': (req) => {
    const resources = req.store.list(memberships, `${parent(req)}/memberships/`).map(visible);
    return ok(resources.length > 0 ? { resources } : {});
  },
  'gkehub.projects.locations.memberships.patch': (req) => {
    const { key, membership } = requireMembership(req);
    setByMask(membership, req.body, req.query.get('updateMask'));
    membership.updateTime = req.store.timestamp();
    req.store.onChange();
    return lro(req, {
      verb: 'update',
      target: key,
      kind: 'membership',
      response: {
        '@type': 'type.googleapis.com/google.cloud.gkehub.v1.Membership',
        ...visible(membership),
      },
    });
  },
  'gkehub.projects.locations.memberships.delete': (req) => {
    const { key } = requireMembership(req);
    req.store.remove(memberships, key);
    return lro(req, {
      verb: 'delete',
      target: key,
      kind: 'membership',
      response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    });
  },
  'gkehub.projects.locations.features.create': (req) => {
    const id = req.query.get('featureId');
    if (!id) throw invalidField('featureId', 'featureId is required.');
    const key = `${parent(req)}/features/${id}`;
    if (req.store.get(features, key))
      throw new GoogleApiError(409, `Resource '${key}' already exists`);
    const feature: Json = {
      ...req.body,
      name: key,
      resourceState: { state: 'ACTIVE' },
      createTime: req.store.timestamp(),
      updateTime: req.store.timestamp(),
      __meshSinceMs: req.store.clock.now(),
    };
    req.store.put(features, key, feature);
    return lro(req, {
      verb: 'create',
      target: key,
      kind: 'feature',
      response: {
        '@type': 'type.googleapis.com/google.cloud.gkehub.v1.Feature',
        ...visible(feature),
      },
    });
  },
  'gkehub.projects.locations.features.get': (req) =>
    ok(renderFeature(req, requireFeature(req).feature)),
  'gkehub.projects.locations.features.list': (req) => {
    const resources = req.store
      .list(features, `${parent(req)}/features/`)
      .map((f) => renderFeature(req, f));
    return ok(resources.length > 0 ? { resources } : {});
  },
  'gkehub.projects.locations.features.patch': (req) => {
    const { key, feature } = requireFeature(req);
    const before = JSON.stringify(feature.fleetDefaultMemberConfig ?? null);
    setByMask(feature, req.body, req.query.get('updateMask'));
    if (JSON.stringify(feature.fleetDefaultMemberConfig ?? null) !== before)
      feature.__meshSinceMs = req.store.clock.now();
    feature.updateTime = req.store.timestamp();
    req.store.onChange();
    return lro(req, {
      verb: 'update',
      target: key,
      kind: 'feature',
      response: {
        '@type': 'type.googleapis.com/google.cloud.gkehub.v1.Feature',
        ...visible(feature),
      },
    });
  },
  'gkehub.projects.locations.features.delete': (req) => {
    const { key } = requireFeature(req);
    req.store.remove(features, key);
    return lro(req, {
      verb: 'delete',
      target: key,
      kind: 'feature',
      response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    });
  },
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
