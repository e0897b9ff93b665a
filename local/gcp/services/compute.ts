import {
  GoogleApiError,
  computeAlreadyExists,
  computeNotFound,
  invalidField,
} from '../api-error.js';
import { ok, type HandlerTable, type Reply, type SimRequest } from '../handler.js';
import type { OperationKind } from '../latency.js';
import {
  ORIGIN,
  type Completion,
  type Json,
  type OperationScope,
  type SimStore,
  type StoredOperation,
} from '../store.js';
import {
  lastSegment,
  overlaps,
  parseCidr,
  requireName,
  requireString,
  type Cidr,
} from './shared.js';

/**
 * compute v1: networks, subnetworks, routers (with NAT), firewalls and their operations, with
 * the reference, overlap and in-use rules of the real API.
 */

const base = `${ORIGIN}/compute/v1/`;

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
export function renderComputeOperation(op: StoredOperation): Json {
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

interface Kind {
  /** Collection name and URL segment, e.g. `networks`. */
  plural: string;
  kind: string;
  regional: boolean;
  latency: OperationKind;
}

const kinds = {
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

function resourcePath(req: SimRequest, kind: Kind, name: string): string {
  const { project, region } = req.params;
  const scope = kind.regional ? `regions/${region}` : 'global';
  return `projects/${project}/${scope}/${kind.plural}/${name}`;
}

function collectionOf(kind: Kind): string {
  return `compute.${kind.plural}`;
}

async function startComputeOperation(
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
function dedupe(req: SimRequest): Reply | undefined {
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

function requireNetwork(req: SimRequest, value: unknown, field: string): string {
  const ref = resolveComputeRef(requireString(value, field), req.params.project!, 'networks');
  if (!req.store.get('compute.networks', ref)) {
    throw invalidField(
      field,
      `Invalid value for field '${field}': '${String(value)}'. The referenced network resource cannot be found.`,
    );
  }
  return ref;
}

function rangesOf(subnet: Json): { cidr: Cidr; label: string }[] {
  const ranges = [
    { cidr: parseCidr(subnet.ipCidrRange, 'ipCidrRange'), label: String(subnet.name) },
  ];
  for (const secondary of (subnet.secondaryIpRanges as Json[] | undefined) ?? []) {
    ranges.push({
      cidr: parseCidr(secondary.ipCidrRange, 'secondaryIpRanges'),
      label: `${String(subnet.name)}/${String(secondary.rangeName)}`,
    });
  }
  return ranges;
}

/** Refuses ranges that overlap each other or any other subnet's ranges in the network. */
function checkSubnetRanges(
  req: SimRequest,
  subnet: Json,
  networkRef: string,
  selfPath: string,
): void {
  const own: { cidr: Cidr; field: string }[] = [
    { cidr: parseCidr(subnet.ipCidrRange, 'resource.ipCidrRange'), field: 'resource.ipCidrRange' },
  ];
  const secondaries = (subnet.secondaryIpRanges as Json[] | undefined) ?? [];
  secondaries.forEach((range, i) => {
    const field = `resource.secondaryIpRanges[${i}]`;
    requireName(range.rangeName, `${field}.rangeName`);
    own.push({
      cidr: parseCidr(range.ipCidrRange, `${field}.ipCidrRange`),
      field: `${field}.ipCidrRange`,
    });
  });
  own.forEach((a, i) => {
    own.slice(i + 1).forEach((b) => {
      if (overlaps(a.cidr, b.cidr)) {
        throw invalidField(
          b.field,
          `Invalid IPCidrRange: ${b.cidr.text} conflicts with ${a.cidr.text} in the same subnetwork.`,
        );
      }
    });
  });
  for (const other of req.store.list('compute.subnetworks')) {
    const otherPath = String(other.selfLink).slice(base.length);
    if (otherPath === selfPath || other.network !== computeLink(networkRef)) continue;
    for (const mine of own) {
      for (const theirs of rangesOf(other)) {
        if (overlaps(mine.cidr, theirs.cidr)) {
          throw invalidField(
            mine.field,
            `Invalid IPCidrRange: ${mine.cidr.text} conflicts with existing subnetwork '${String(other.name)}' in region '${lastSegment(String(other.region))}'.`,
          );
        }
      }
    }
  }
}

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

function insertHandler(kind: Kind, build: (req: SimRequest, resource: Json) => Json) {
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

function getHandler(kind: Kind) {
  return (req: SimRequest): Reply => {
    const name = req.params[kind.plural === 'firewalls' ? 'firewall' : kind.plural.slice(0, -1)]!;
    return ok(requireResource(req.store, kind, resourcePath(req, kind, name)));
  };
}

function listHandler(kind: Kind) {
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

function aggregatedListHandler(kind: Kind) {
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

function deleteHandler(kind: Kind, checkInUse?: (req: SimRequest, path: string) => void) {
  return async (req: SimRequest): Promise<Reply> => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const name = req.params[kind.plural === 'firewalls' ? 'firewall' : kind.plural.slice(0, -1)]!;
    const path = resourcePath(req, kind, name);
    const resource = requireResource(req.store, kind, path);
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

function patchHandler(kind: Kind, validate: (req: SimRequest, merged: Json, path: string) => void) {
  return async (req: SimRequest): Promise<Reply> => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const name = req.params[kind.plural === 'firewalls' ? 'firewall' : kind.plural.slice(0, -1)]!;
    const path = resourcePath(req, kind, name);
    const current = requireResource(req.store, kind, path);
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

function buildNetwork(_req: SimRequest, resource: Json): Json {
  return {
    autoCreateSubnetworks: false,
    networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
    ...resource,
    routingConfig: {
      routingMode: 'REGIONAL',
      bgpBestPathSelectionMode: 'LEGACY',
      ...((resource.routingConfig as Json | undefined) ?? {}),
    },
    selfLinkWithId: computeLink(
      `projects/${_req.params.project}/global/networks/${String(resource.id)}`,
    ),
  };
}

function buildSubnetwork(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(req, resource.network, 'resource.network');
  const path = resourcePath(req, kinds.subnetworks, String(resource.name));
  requireString(resource.ipCidrRange, 'resource.ipCidrRange');
  checkSubnetRanges(req, resource, networkRef, path);
  const network = req.store.get('compute.networks', networkRef)!;
  // Like Google, a network lists `subnetworks` only once it has one.
  network.subnetworks = [
    ...((network.subnetworks as string[] | undefined) ?? []),
    computeLink(path),
  ];
  const cidr = parseCidr(resource.ipCidrRange, 'resource.ipCidrRange');
  const bytes = cidr.address.toByteArray();
  bytes[3] = bytes[3]! + 1;
  return {
    privateIpGoogleAccess: false,
    privateIpv6GoogleAccess: 'DISABLE_GOOGLE_ACCESS',
    purpose: 'PRIVATE',
    stackType: 'IPV4_ONLY',
    ...resource,
    network: computeLink(networkRef),
    gatewayAddress: bytes.join('.'),
    fingerprint: req.store.etag(),
    state: 'READY',
  };
}

function checkNats(nats: unknown): void {
  ((nats as Json[] | undefined) ?? []).forEach((nat, i) => {
    requireName(nat.name, `resource.nats[${i}].name`);
    if (nat.sourceSubnetworkIpRangesToNat === undefined) {
      throw invalidField(
        `resource.nats[${i}].sourceSubnetworkIpRangesToNat`,
        `Invalid value for field 'resource.nats[${i}].sourceSubnetworkIpRangesToNat': ''. Must be specified.`,
      );
    }
  });
}

function buildRouter(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(req, resource.network, 'resource.network');
  checkNats(resource.nats);
  return { ...resource, network: computeLink(networkRef) };
}

function buildFirewall(req: SimRequest, resource: Json): Json {
  const networkRef = requireNetwork(
    req,
    resource.network ?? 'global/networks/default',
    'resource.network',
  );
  const allowed = (resource.allowed as Json[] | undefined) ?? [];
  const denied = (resource.denied as Json[] | undefined) ?? [];
  if (allowed.length > 0 === denied.length > 0) {
    throw invalidField(
      'resource.allowed',
      "Invalid value for field 'resource.allowed': exactly one of 'allowed' or 'denied' must be set.",
    );
  }
  const direction = (resource.direction as string | undefined) ?? 'INGRESS';
  if (direction === 'EGRESS' && resource.sourceRanges) {
    throw invalidField(
      'resource.sourceRanges',
      "Invalid value for field 'resource.sourceRanges': source ranges are not allowed for an EGRESS rule.",
    );
  }
  for (const field of ['sourceRanges', 'destinationRanges'] as const) {
    ((resource[field] as string[] | undefined) ?? []).forEach((range, i) => {
      const withPrefix = range.includes('/') ? range : `${range}/32`;
      parseCidr(withPrefix, `resource.${field}[${i}]`);
    });
  }
  const out: Json = {
    priority: 1000,
    logConfig: { enable: false },
    disabled: false,
    ...resource,
    direction,
    network: computeLink(networkRef),
  };
  if (
    direction === 'INGRESS' &&
    !out.sourceRanges &&
    !out.sourceTags &&
    !out.sourceServiceAccounts
  ) {
    out.sourceRanges = ['0.0.0.0/0'];
  }
  if (direction === 'EGRESS' && !out.destinationRanges) out.destinationRanges = ['0.0.0.0/0'];
  return out;
}

/** A network in use by a subnet, router or firewall cannot be deleted. */
function networkInUse(req: SimRequest, path: string): void {
  const link = computeLink(path);
  for (const plural of ['subnetworks', 'routers', 'firewalls']) {
    const user = req.store.list(`compute.${plural}`).find((r) => r.network === link);
    if (user) {
      throw new GoogleApiError(
        400,
        `The network resource '${path}' is already being used by '${String(user.selfLink).slice(base.length)}'`,
        { reason: 'resourceInUseByAnotherResource' },
      );
    }
  }
}

function subnetInUse(req: SimRequest, path: string): void {
  const cluster = req.store
    .list('container.clusters')
    .find((c) => String(c.subnetwork) === lastSegment(path) && String(c.network) !== '');
  if (cluster) {
    throw new GoogleApiError(
      400,
      `The subnetwork resource '${path}' is already being used by cluster '${String(cluster.name)}'`,
      { reason: 'resourceInUseByAnotherResource' },
    );
  }
}

function removeSubnetFromNetwork(req: SimRequest, path: string): void {
  const subnet = req.store.get('compute.subnetworks', path);
  const network = subnet
    ? req.store.get('compute.networks', String(subnet.network).slice(base.length))
    : undefined;
  if (network) {
    const remaining = ((network.subnetworks as string[] | undefined) ?? []).filter(
      (s) => s !== computeLink(path),
    );
    if (remaining.length > 0) network.subnetworks = remaining;
    else delete network.subnetworks;
  }
}

function operationScope(req: SimRequest): OperationScope {
  if (req.params.region) return { kind: 'region', region: req.params.region };
  if (req.params.zone) return { kind: 'zone', zone: req.params.zone };
  return { kind: 'global' };
}

function operationKey(req: SimRequest): string {
  return `projects/${req.params.project}/${scopePath(operationScope(req))}/operations/${req.params.operation}`;
}

function getOperation(req: SimRequest): Reply {
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

function listOperations(req: SimRequest): Reply {
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

const subnetDelete = deleteHandler(kinds.subnetworks, subnetInUse);
const patchSubnetwork = patchHandler(kinds.subnetworks, (req, merged, path) => {
  checkSubnetRanges(req, merged, String(merged.network).slice(base.length), path);
});

/** compute v1 handlers by method id. */
export const computeHandlers: HandlerTable = {
  'compute.networks.insert': insertHandler(kinds.networks, buildNetwork),
  'compute.networks.get': getHandler(kinds.networks),
  'compute.networks.list': listHandler(kinds.networks),
  'compute.networks.delete': deleteHandler(kinds.networks, networkInUse),
  'compute.networks.patch': patchHandler(kinds.networks, () => {}),
  'compute.subnetworks.insert': insertHandler(kinds.subnetworks, buildSubnetwork),
  'compute.subnetworks.get': getHandler(kinds.subnetworks),
  'compute.subnetworks.list': listHandler(kinds.subnetworks),
  'compute.subnetworks.aggregatedList': aggregatedListHandler(kinds.subnetworks),
  'compute.subnetworks.delete': async (req) => {
    const reply = await subnetDelete(req);
    const path = resourcePath(req, kinds.subnetworks, req.params.subnetwork!);
    removeSubnetFromNetwork(req, path);
    return reply;
  },
  'compute.subnetworks.patch': async (req) => {
    const path = resourcePath(req, kinds.subnetworks, req.params.subnetwork!);
    const current = req.store.get(collectionOf(kinds.subnetworks), path);
    // Google's Subnetwork reference: privateIpGoogleAccess "can be both set at resource creation
    // time and updated using setPrivateIpGoogleAccess", and patch changes only the fields that
    // say so. Refusing it here keeps a client honest; Google's exact answer is unverified.
    if (
      current &&
      req.body.privateIpGoogleAccess !== undefined &&
      req.body.privateIpGoogleAccess !== current.privateIpGoogleAccess
    ) {
      throw invalidField(
        'resource.privateIpGoogleAccess',
        "Invalid value for field 'resource.privateIpGoogleAccess': patch cannot change it; use subnetworks.setPrivateIpGoogleAccess.",
      );
    }
    return patchSubnetwork(req);
  },
  'compute.subnetworks.setPrivateIpGoogleAccess': async (req) => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const path = resourcePath(req, kinds.subnetworks, req.params.subnetwork!);
    const current = requireResource(req.store, kinds.subnetworks, path);
    const enabled = req.body.privateIpGoogleAccess;
    if (typeof enabled !== 'boolean') {
      throw invalidField(
        'privateIpGoogleAccess',
        "Invalid value for field 'privateIpGoogleAccess': must be true or false.",
      );
    }
    req.store.put(collectionOf(kinds.subnetworks), path, {
      ...current,
      privateIpGoogleAccess: enabled,
      fingerprint: req.store.etag(),
    });
    return startComputeOperation(req, kinds.subnetworks, {
      operationType: 'setPrivateIpGoogleAccess',
      targetPath: path,
      targetId: String(current.id),
      onDone: { kind: 'none' },
      onError: {
        kind: 'patch',
        collection: collectionOf(kinds.subnetworks),
        key: path,
        fields: current,
      },
    });
  },
  'compute.routers.insert': insertHandler(kinds.routers, buildRouter),
  'compute.routers.get': getHandler(kinds.routers),
  'compute.routers.list': listHandler(kinds.routers),
  'compute.routers.aggregatedList': aggregatedListHandler(kinds.routers),
  'compute.routers.delete': deleteHandler(kinds.routers),
  'compute.routers.patch': patchHandler(kinds.routers, (_req, merged) => checkNats(merged.nats)),
  'compute.firewalls.insert': insertHandler(kinds.firewalls, buildFirewall),
  'compute.firewalls.get': getHandler(kinds.firewalls),
  'compute.firewalls.list': listHandler(kinds.firewalls),
  'compute.firewalls.delete': deleteHandler(kinds.firewalls),
  'compute.firewalls.patch': patchHandler(kinds.firewalls, (req, merged) => {
    buildFirewall(req, { ...merged, network: merged.network });
  }),
  'compute.globalOperations.get': getOperation,
  'compute.globalOperations.wait': getOperation,
  'compute.globalOperations.list': listOperations,
  'compute.regionOperations.get': getOperation,
  'compute.regionOperations.wait': getOperation,
  'compute.regionOperations.list': listOperations,
  'compute.zoneOperations.get': getOperation,
  'compute.zoneOperations.wait': getOperation,
  'compute.zoneOperations.list': listOperations,
};
