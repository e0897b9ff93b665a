import { createHash, randomBytes } from 'node:crypto';
import { GoogleApiError, invalidField } from '../api-error.js';
import { ok, type Reply, type SimRequest } from '../handler.js';
import { ORIGIN, type Json, type SimStore } from '../store.js';
import { computeLink, resolveComputeRef } from './compute.js';
import { checkMasterRange, checkWorkloadPool } from './container-validation.js';
import { nthAddress } from '../../../shared/lib/ip.js';
import { parseCidr, requireName } from './shared.js';
import {
  CLUSTERS,
  GKE_VERSION,
  linkScope,
  locationOf,
  clusterKey,
  requireCluster,
  startDeletion,
  startOperation,
  type Location,
} from './container-operations.js';
/** container v1 clusters: create (with the fields GKE fills in), get, list and delete. */

/**
 * GKE's `labelFingerprint`: 8 hex digits that change with every label set (a hash of the labels
 * here), checked by `setResourceLabels` so concurrent label writers cannot overwrite each other.
 */
export function labelFingerprintOf(labels: unknown): string {
  const entries = Object.entries((labels as Json | undefined) ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 8);
}

/** A stable, made-up public control-plane address per cluster name. */
export function publicEndpointFor(name: string): string {
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

export function normalizePool(
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
    version: GKE_VERSION,
    status: 'PROVISIONING',
  };
}

export async function createCluster(req: SimRequest): Promise<Reply> {
  const loc = locationOf(req);
  const input = (req.body.cluster as Json | undefined) ?? {};
  const name = requireName(input.name, 'cluster.name');
  const key = clusterKey(loc, name);
  if (req.store.get(CLUSTERS, key)) {
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
    if (master.prefix !== 28) {
      throw invalidField(
        'cluster.privateClusterConfig.masterIpv4CidrBlock',
        'master_ipv4_cidr_block must be a /28 range.',
      );
    }
    checkMasterRange(
      req.store,
      master,
      computeLink(networkRef),
      'cluster.privateClusterConfig.masterIpv4CidrBlock',
    );
    privateConfig.privateEndpoint = nthAddress(master, 2);
  } else if (privateInput.enablePrivateNodes) {
    privateConfig.privateEndpoint = '172.16.0.2';
  }
  checkWorkloadPool(input.workloadIdentityConfig, loc.project, 'cluster.workloadIdentityConfig');
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
    initialClusterVersion: GKE_VERSION,
    currentMasterVersion: GKE_VERSION,
    currentNodeVersion: GKE_VERSION,
    currentNodeCount: nodePools.reduce((n, p) => n + Number(p.initialNodeCount), 0),
    etag: req.store.etag(),
    loggingService: input.loggingService ?? 'logging.googleapis.com/kubernetes',
    monitoringService: input.monitoringService ?? 'monitoring.googleapis.com/kubernetes',
    releaseChannel: input.releaseChannel ?? { channel: 'REGULAR' },
    labelFingerprint: labelFingerprintOf(input.resourceLabels),
    status: 'PROVISIONING',
  };
  delete cluster.initialNodeCount;
  req.store.put(CLUSTERS, key, cluster);
  return startOperation(req, loc, {
    type: 'CREATE_CLUSTER',
    targetPath: key,
    kind: 'cluster',
    onDone: { kind: 'cluster-ready', key },
    onError: {
      kind: 'patch',
      collection: CLUSTERS,
      key,
      fields: { status: 'ERROR', statusMessage: 'Cluster creation failed.' },
    },
  });
}

export async function deleteCluster(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  return startDeletion(req, loc, key, cluster);
}

export function listClusters(req: SimRequest): Reply {
  const loc = locationOf(req);
  const prefix =
    loc.location === '-'
      ? `projects/${loc.project}/`
      : `projects/${loc.project}/locations/${loc.location}/`;
  return ok({ clusters: req.store.list(CLUSTERS, prefix) });
}
