import { createHash, randomBytes } from 'node:crypto';
import { GoogleApiError, invalidField } from '../api-error.js';
import {
  DEFER,
  ok,
  type ClusterHooks,
  type HandlerTable,
  type Reply,
  type SimRequest,
} from '../handler.js';
import {
  ORIGIN,
  type Completion,
  type Json,
  type SimStore,
  type StoredOperation,
} from '../store.js';
import { resolveComputeRef } from './compute.js';
import { deepMerge, nthAddress, parseCidr, requireName } from './shared.js';

/**
 * container v1: clusters and node pools under `projects/*\/locations/*` and the legacy
 * `projects/*\/zones/*` paths gcloud uses, with GKE's one-operation-at-a-time rule and the
 * fields the API fills in (endpoints, versions, default pool, fleet membership).
 */

const clusters = 'container.clusters';
const version = '1.30.5-gke.1014001';

interface Location {
  project: string;
  location: string;
}

function locationOf(req: SimRequest): Location {
  return {
    project: req.params.projectsId ?? req.params.projectId!,
    location: req.params.locationsId ?? req.params.zone!,
  };
}

function clusterKey(loc: Location, name: string): string {
  return `projects/${loc.project}/locations/${loc.location}/clusters/${name}`;
}

function clusterName(req: SimRequest): string {
  return req.params.clustersId ?? req.params.clusterId!;
}

/** GKE links say `zones/` for a zonal location, `locations/` for a region. */
function linkScope(location: string): string {
  return /-[a-z]$/.test(location) ? `zones/${location}` : `locations/${location}`;
}

function requireCluster(req: SimRequest): { key: string; cluster: Json; loc: Location } {
  const loc = locationOf(req);
  const name = clusterName(req);
  const key = clusterKey(loc, name);
  const cluster = req.store.get(clusters, key);
  if (!cluster) {
    throw new GoogleApiError(
      404,
      `Not found: projects/${loc.project}/${linkScope(loc.location)}/clusters/${name}.`,
    );
  }
  return { key, cluster, loc };
}

/** GKE refuses a second operation on a cluster while one runs: 400 FAILED_PRECONDITION. */
function requireIdle(store: SimStore, key: string): void {
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

async function startOperation(
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

/**
 * GKE's `labelFingerprint`: 8 hex digits that change with every label set (a hash of the labels
 * here), checked by `setResourceLabels` so concurrent label writers cannot overwrite each other.
 */
function labelFingerprintOf(labels: unknown): string {
  const entries = Object.entries((labels as Json | undefined) ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 8);
}

/** A stable, made-up public control-plane address per cluster name. */
function publicEndpointFor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `34.118.${(hash >>> 8) % 256}.${(hash % 254) + 1}`;
}

function regionOf(location: string): string {
  return location.replace(/-[a-z]$/, '');
}

function checkServiceAccount(store: SimStore, account: unknown, field: string): void {
  if (account === undefined || account === 'default') return;
  const email = String(account);
  const found = Object.values(store.collection('iam.serviceAccounts')).some(
    (a) => a.email === email,
  );
  if (!found) throw invalidField(field, `Service account "${email}" does not exist.`);
}

function normalizePool(
  store: SimStore,
  loc: Location,
  pool: Json,
  field: string,
  subnetPath: string,
): Json {
  const name = requireName(pool.name, `${field}.name`);
  const config = (pool.config as Json | undefined) ?? {};
  checkServiceAccount(store, config.serviceAccount, `${field}.config.serviceAccount`);
  return {
    ...pool,
    name,
    config: {
      machineType: 'e2-medium',
      diskSizeGb: 100,
      diskType: 'pd-balanced',
      imageType: 'COS_CONTAINERD',
      serviceAccount: 'default',
      metadata: { 'disable-legacy-endpoints': 'true' },
      ...config,
    },
    initialNodeCount: pool.initialNodeCount ?? 3,
    locations: pool.locations ?? [loc.location],
    networkConfig: { subnetwork: subnetPath, ...((pool.networkConfig as Json | undefined) ?? {}) },
    selfLink: `${ORIGIN}/v1/projects/${loc.project}/${linkScope(loc.location)}/clusters/__CLUSTER__/nodePools/${name}`,
    version,
    status: 'PROVISIONING',
  };
}

async function createCluster(req: SimRequest): Promise<Reply> {
  const loc = locationOf(req);
  const input = (req.body.cluster as Json | undefined) ?? {};
  const name = requireName(input.name, 'cluster.name');
  const key = clusterKey(loc, name);
  if (req.store.get(clusters, key)) {
    throw new GoogleApiError(
      409,
      `Already exists: projects/${loc.project}/${linkScope(loc.location)}/clusters/${name}.`,
    );
  }
  const region = regionOf(loc.location);
  const networkName = String(
    input.network ?? (input.networkConfig as Json | undefined)?.network ?? 'default',
  );
  const networkRef = resolveComputeRef(networkName, loc.project, 'networks');
  if (!req.store.get('compute.networks', networkRef)) {
    throw invalidField(
      'cluster.network',
      `Network "${networkName.split('/').pop()}" does not exist.`,
    );
  }
  const subnetName = String(
    input.subnetwork ??
      (input.networkConfig as Json | undefined)?.subnetwork ??
      networkName.split('/').pop(),
  );
  const subnetRef = resolveComputeRef(subnetName, loc.project, 'subnetworks', region);
  const subnet = req.store.get('compute.subnetworks', subnetRef);
  if (!subnet) {
    throw invalidField(
      'cluster.subnetwork',
      `Subnetwork "${subnetName.split('/').pop()}" does not exist in region ${region}.`,
    );
  }
  const ipPolicy = { ...((input.ipAllocationPolicy as Json | undefined) ?? {}) };
  const secondary = (subnet.secondaryIpRanges as Json[] | undefined) ?? [];
  const rangeCidr = (
    field: 'clusterSecondaryRangeName' | 'servicesSecondaryRangeName',
  ): string | undefined => {
    const wanted = ipPolicy[field];
    if (wanted === undefined) return undefined;
    const range = secondary.find((r) => r.rangeName === wanted);
    if (!range) {
      throw invalidField(
        `cluster.ipAllocationPolicy.${field}`,
        `Retry budget exhausted: secondary range "${String(wanted)}" does not exist in subnetwork "${String(subnet.name)}".`,
      );
    }
    return String(range.ipCidrRange);
  };
  const podsCidr = rangeCidr('clusterSecondaryRangeName') ?? '10.112.0.0/14';
  const servicesCidr = rangeCidr('servicesSecondaryRangeName') ?? '34.118.224.0/20';
  const nodeConfig = (input.nodeConfig as Json | undefined) ?? {};
  checkServiceAccount(req.store, nodeConfig.serviceAccount, 'cluster.nodeConfig.serviceAccount');
  const subnetPath = `projects/${loc.project}/regions/${region}/subnetworks/${String(subnet.name)}`;
  const poolInputs = (input.nodePools as Json[] | undefined) ?? [
    { name: 'default-pool', config: nodeConfig, initialNodeCount: input.initialNodeCount ?? 3 },
  ];
  const nodePools = poolInputs.map((pool, i) =>
    normalizePool(req.store, loc, pool, `cluster.nodePools[${i}]`, subnetPath),
  );
  const privateInput = (input.privateClusterConfig as Json | undefined) ?? {};
  const privateConfig: Json = { ...privateInput };
  if (privateInput.masterIpv4CidrBlock !== undefined) {
    const master = parseCidr(
      privateInput.masterIpv4CidrBlock,
      'cluster.privateClusterConfig.masterIpv4CidrBlock',
    );
    if (master.bits !== 28) {
      throw invalidField(
        'cluster.privateClusterConfig.masterIpv4CidrBlock',
        'master_ipv4_cidr_block must be a /28 range.',
      );
    }
    privateConfig.privateEndpoint = nthAddress(master, 2);
  } else if (privateInput.enablePrivateNodes) {
    privateConfig.privateEndpoint = '172.16.0.2';
  }
  const networkConfigInput = (input.networkConfig as Json | undefined) ?? {};
  if (
    networkConfigInput.defaultEnablePrivateNodes !== undefined &&
    privateConfig.enablePrivateNodes === undefined
  ) {
    privateConfig.enablePrivateNodes = networkConfigInput.defaultEnablePrivateNodes;
  }
  if (!privateConfig.enablePrivateEndpoint) privateConfig.publicEndpoint = publicEndpointFor(name);
  const number = req.store.projectNumber(loc.project);
  const dnsEndpoint = `gke-${randomBytes(16).toString('hex')}-${number}.${loc.location}.gke.goog`;
  const endpointsConfig = (input.controlPlaneEndpointsConfig as Json | undefined) ?? {};
  // GKE reports the authorized networks in both the legacy and the new field, whichever was sent.
  const ipEndpointsInput = (endpointsConfig.ipEndpointsConfig as Json | undefined) ?? {};
  const authorizedNetworks = (ipEndpointsInput.authorizedNetworksConfig as Json | undefined) ??
    (input.masterAuthorizedNetworksConfig as Json | undefined) ?? { enabled: false };
  const ipEndpointsConfig: Json = {
    enabled: true,
    enablePublicEndpoint: !privateConfig.enablePrivateEndpoint,
    ...ipEndpointsInput,
    authorizedNetworksConfig: authorizedNetworks,
    ...(privateConfig.privateEndpoint ? { privateEndpoint: privateConfig.privateEndpoint } : {}),
    ...(privateConfig.publicEndpoint ? { publicEndpoint: privateConfig.publicEndpoint } : {}),
  };
  const cluster: Json = {
    ...input,
    name,
    id: randomBytes(16).toString('hex'),
    network: networkName.split('/').pop(),
    subnetwork: String(subnet.name),
    networkConfig: {
      ...((input.networkConfig as Json | undefined) ?? {}),
      network: networkRef,
      subnetwork: subnetPath,
    },
    ipAllocationPolicy: {
      ...ipPolicy,
      useIpAliases: ipPolicy.useIpAliases ?? true,
      clusterIpv4Cidr: podsCidr,
      clusterIpv4CidrBlock: podsCidr,
      servicesIpv4Cidr: servicesCidr,
      servicesIpv4CidrBlock: servicesCidr,
      stackType: 'IPV4',
    },
    clusterIpv4Cidr: podsCidr,
    servicesIpv4Cidr: servicesCidr,
    nodeConfig: nodePools[0]?.config,
    nodePools: nodePools.map((p) => ({
      ...p,
      selfLink: String(p.selfLink).replace('__CLUSTER__', name),
    })),
    privateClusterConfig: privateConfig,
    masterAuthorizedNetworksConfig: authorizedNetworks,
    controlPlaneEndpointsConfig: {
      ...endpointsConfig,
      ipEndpointsConfig,
      dnsEndpointConfig: {
        allowExternalTraffic: false,
        ...((endpointsConfig.dnsEndpointConfig as Json | undefined) ?? {}),
        endpoint: dnsEndpoint,
      },
    },
    masterAuth: {
      ...((input.masterAuth as Json | undefined) ?? {}),
      clusterCaCertificate: Buffer.from(
        '-----BEGIN CERTIFICATE-----\nU0lNVUxBVE9S\n-----END CERTIFICATE-----\n',
      ).toString('base64'),
    },
    location: loc.location,
    locations: input.locations ?? [loc.location],
    zone: loc.location,
    selfLink: `${ORIGIN}/v1/projects/${loc.project}/${linkScope(loc.location)}/clusters/${name}`,
    createTime: req.store.timestamp(),
    initialClusterVersion: version,
    currentMasterVersion: version,
    currentNodeVersion: version,
    currentNodeCount: nodePools.reduce((n, p) => n + Number(p.initialNodeCount), 0),
    etag: req.store.etag(),
    loggingService: input.loggingService ?? 'logging.googleapis.com/kubernetes',
    monitoringService: input.monitoringService ?? 'monitoring.googleapis.com/kubernetes',
    releaseChannel: input.releaseChannel ?? { channel: 'REGULAR' },
    labelFingerprint: labelFingerprintOf(input.resourceLabels),
    status: 'PROVISIONING',
  };
  delete cluster.initialNodeCount;
  req.store.put(clusters, key, cluster);
  return startOperation(req, loc, {
    type: 'CREATE_CLUSTER',
    targetPath: key,
    kind: 'cluster',
    onDone: { kind: 'cluster-ready', key },
    onError: {
      kind: 'patch',
      collection: clusters,
      key,
      fields: { status: 'ERROR', statusMessage: 'Cluster creation failed.' },
    },
  });
}

async function deleteCluster(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  requireIdle(req.store, key);
  cluster.status = 'STOPPING';
  return startOperation(req, loc, {
    type: 'DELETE_CLUSTER',
    targetPath: key,
    kind: 'cluster-delete',
    onDone: { kind: 'cluster-removed', key },
    onError: { kind: 'patch', collection: clusters, key, fields: { status: 'ERROR' } },
  });
}

function poolName(req: SimRequest): string {
  return req.params.nodePoolsId ?? req.params.nodePoolId!;
}

function findPool(req: SimRequest): { key: string; cluster: Json; pool: Json; loc: Location } {
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

async function createNodePool(req: SimRequest): Promise<Reply> {
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

async function deleteNodePool(req: SimRequest): Promise<Reply> {
  const { key, pool, loc } = findPool(req);
  requireIdle(req.store, key);
  pool.status = 'STOPPING';
  return startOperation(req, loc, {
    type: 'DELETE_NODE_POOL',
    targetPath: `${key}/nodePools/${String(pool.name)}`,
    kind: 'node-pool-delete',
    onDone: { kind: 'node-pool-removed', key, pool: String(pool.name) },
    onError: { kind: 'node-pool-status', key, pool: String(pool.name), status: 'ERROR' },
  });
}

/**
 * The cluster fields one ClusterUpdate field changes, as new top-level values. Only the updates
 * the product sends are served; any other is refused by name rather than silently ignored.
 */
function clusterFieldsFor(cluster: Json, field: string, value: unknown): Json {
  const endpoints = (cluster.controlPlaneEndpointsConfig as Json | undefined) ?? {};
  switch (field) {
    case 'desiredMasterAuthorizedNetworksConfig':
      // GKE reports the authorized networks in the legacy field and in ipEndpointsConfig.
      return {
        masterAuthorizedNetworksConfig: structuredClone(value),
        controlPlaneEndpointsConfig: deepMerge(endpoints, {
          ipEndpointsConfig: { authorizedNetworksConfig: value },
        }),
      };
    case 'desiredControlPlaneEndpointsConfig': {
      const merged = deepMerge(endpoints, value) as Json;
      // The DNS endpoint's name is GKE's, whatever the update says.
      const dns = (endpoints.dnsEndpointConfig as Json | undefined)?.endpoint;
      if (dns !== undefined) (merged.dnsEndpointConfig as Json).endpoint = dns;
      const authorized = (merged.ipEndpointsConfig as Json | undefined)?.authorizedNetworksConfig;
      return {
        controlPlaneEndpointsConfig: merged,
        ...(authorized ? { masterAuthorizedNetworksConfig: structuredClone(authorized) } : {}),
      };
    }
    case 'desiredAddonsConfig': {
      const addons = deepMerge(cluster.addonsConfig ?? {}, value) as Json;
      const removesPolicyAddon =
        (addons.networkPolicyConfig as Json | undefined)?.disabled === true &&
        (cluster.networkPolicy as Json | undefined)?.enabled === true;
      // GKE's documented order: enforcement off on the nodes first, then the addon.
      if (removesPolicyAddon) {
        throw invalidField(
          'update.desiredAddonsConfig.networkPolicyConfig.disabled',
          'Network policy addon cannot be removed until network policy is disabled on the nodes.',
        );
      }
      return { addonsConfig: addons };
    }
    case 'desiredWorkloadIdentityConfig':
      return { workloadIdentityConfig: structuredClone(value) };
    case 'desiredReleaseChannel':
      return { releaseChannel: structuredClone(value) };
    case 'desiredFleet': {
      const fleet = cluster.fleet as Json | undefined;
      const project = (value as Json).project;
      // The membership stays only while the fleet project does.
      return {
        fleet: {
          ...(fleet?.project === project && fleet?.membership
            ? { membership: fleet.membership }
            : {}),
          ...(value as Json),
        },
      };
    }
    default:
      throw invalidField(`update.${field}`, `The GCP simulator does not serve ${field} updates.`);
  }
}

/**
 * `clusters.update`: GKE applies exactly one ClusterUpdate field per request, runs it as an
 * UPDATE_CLUSTER operation (the cluster RECONCILING meanwhile) and refuses it while another
 * operation runs on the cluster.
 */
async function updateCluster(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  const update = (req.body.update as Json | undefined) ?? {};
  const fields = Object.keys(update).filter((field) => field.startsWith('desired'));
  if (fields.length !== 1) {
    throw invalidField(
      'update',
      fields.length === 0
        ? 'Must specify a field to update.'
        : `Exactly one update can be applied to a cluster with each request; got ${fields.join(', ')}.`,
    );
  }
  const field = fields[0]!;
  const changes = clusterFieldsFor(cluster, field, update[field]);
  return startReconcilingUpdate(req, loc, key, cluster, 'UPDATE_CLUSTER', {
    ...changes,
    etag: req.store.etag(),
  });
}

/**
 * Runs a cluster-wide change as a `type` operation with the cluster RECONCILING meanwhile: on
 * success `changes` land and the previous status returns; a failed one leaves the cluster as it
 * was. Shared by `clusters.update` and `clusters.setNetworkPolicy`.
 */
function startReconcilingUpdate(
  req: SimRequest,
  loc: Location,
  key: string,
  cluster: Json,
  type: string,
  changes: Json,
): Promise<Reply> {
  requireIdle(req.store, key);
  const previousStatus = cluster.status;
  cluster.status = 'RECONCILING';
  req.store.onChange();
  return startOperation(req, loc, {
    type,
    targetPath: key,
    kind: 'cluster-update',
    onDone: {
      kind: 'patch',
      collection: clusters,
      key,
      fields: { ...changes, status: previousStatus },
    },
    onError: { kind: 'patch', collection: clusters, key, fields: { status: previousStatus } },
  });
}

/**
 * `clusters.setResourceLabels` (`.../resourceLabels` on the zones path): replaces the cluster's
 * labels as a SET_LABELS operation. The request must carry the current `labelFingerprint`; a
 * stale or missing one is GKE's 400 FAILED_PRECONDITION "fingerprint mismatch".
 */
async function setResourceLabels(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  // proto3 JSON drops an empty map: no labels in the body means "remove them all".
  const labels = (req.body.resourceLabels as Json | undefined) ?? {};
  const supplied = String(req.body.labelFingerprint ?? '');
  const expected = String(cluster.labelFingerprint ?? labelFingerprintOf(cluster.resourceLabels));
  if (supplied !== expected) {
    throw new GoogleApiError(
      400,
      `Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was "${supplied}", the expected one is "${expected}".`,
      { status: 'FAILED_PRECONDITION', reason: 'failedPrecondition' },
    );
  }
  requireIdle(req.store, key);
  return startOperation(req, loc, {
    type: 'SET_LABELS',
    targetPath: key,
    kind: 'cluster-update',
    onDone: {
      kind: 'patch',
      collection: clusters,
      key,
      fields: {
        resourceLabels: structuredClone(labels),
        labelFingerprint: labelFingerprintOf(labels),
      },
    },
    onError: { kind: 'none' },
  });
}

/**
 * `clusters.setNetworkPolicy`: turns Calico enforcement on the nodes on or off as a
 * SET_NETWORK_POLICY operation (the cluster RECONCILING meanwhile: GKE recreates the nodes).
 * Enabling it needs the NetworkPolicy addon first, as GKE requires.
 */
async function setNetworkPolicy(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  const policy = req.body.networkPolicy as Json | undefined;
  if (policy === undefined) {
    throw invalidField('network_policy', 'network_policy is required.');
  }
  const addonDisabled =
    ((cluster.addonsConfig as Json | undefined)?.networkPolicyConfig as Json | undefined)
      ?.disabled !== false;
  if (policy.enabled === true && addonDisabled) {
    throw invalidField(
      'network_policy.enabled',
      'The network policy addon must be enabled before updating the nodes.',
    );
  }
  return startReconcilingUpdate(req, loc, key, cluster, 'SET_NETWORK_POLICY', {
    networkPolicy: structuredClone(policy),
  });
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
async function updateNodePool(req: SimRequest): Promise<Reply> {
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
      collection: clusters,
      key,
      // The cluster's nodeConfig mirrors its first pool's, as GKE reports it.
      fields: { nodePools: settled(nextConfig), ...(isFirst ? { nodeConfig: nextConfig } : {}) },
    },
    onError: { kind: 'patch', collection: clusters, key, fields: { nodePools: settled(config) } },
  });
}

function getOperation(req: SimRequest): Reply | typeof DEFER {
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

function listOperations(req: SimRequest): Reply | typeof DEFER {
  const loc = locationOf(req);
  if (loc.location === 'global') return DEFER;
  const prefix = `projects/${loc.project}/locations/${loc.location === '-' ? '' : loc.location}`;
  const operations = Object.values(req.store.state.operations)
    .filter((op) => op.api === 'container' && op.key.startsWith(prefix))
    .map((op) => renderOperation(req.store, op));
  return ok({ operations });
}

function listClusters(req: SimRequest): Reply {
  const loc = locationOf(req);
  const prefix =
    loc.location === '-'
      ? `projects/${loc.project}/`
      : `projects/${loc.project}/locations/${loc.location}/`;
  return ok({ clusters: req.store.list(clusters, prefix) });
}

/** Applies the container completions the generic store cannot: cluster readiness and removal. */
export async function containerCompletion(
  store: SimStore,
  hooks: ClusterHooks,
  completion: Completion,
  op: StoredOperation,
): Promise<void> {
  if (completion.kind === 'cluster-ready') {
    const cluster = store.get(clusters, completion.key);
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
            kubernetesMetadata: { kubernetesApiServerVersion: version },
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
    const cluster = store.get(clusters, completion.key);
    if (!cluster) return;
    await hooks.onClusterDeleted?.(cluster);
    store.remove(clusters, completion.key);
    for (const [key, membership] of Object.entries(store.collection('gkehub.memberships'))) {
      const link = ((membership.endpoint as Json | undefined)?.gkeCluster as Json | undefined)
        ?.resourceLink;
      if (link === `//container.googleapis.com/${completion.key}`)
        store.remove('gkehub.memberships', key);
    }
    return;
  }
  if (completion.kind === 'node-pool-status' || completion.kind === 'node-pool-removed') {
    const cluster = store.get(clusters, completion.key);
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
