import { PermanentError } from '../../errors.js';
import type { Environment } from '../../spec/environment.js';
import {
  applicationNodesEmail,
  clusterParent,
  clusterPath,
  gatewayNodesEmail,
  networkPath,
  subnetworkPath,
  workloadPool,
} from './names.js';
import { ownershipDescription, ownershipLabels } from './ownership.js';
import { postRequest, type StepRequests } from './request.js';

const CONTAINER = 'container.googleapis.com';

/**
 * Node OAuth scope: access is decided by the node service account's IAM roles, as Google
 * recommends, not by legacy scopes.
 */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** A node taint (message NodeTaint). */
export interface NodeTaintBody {
  key: string;
  value: string;
  effect: 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE';
}

/** Node configuration (message NodeConfig), the fields the environment sets. */
export interface NodeConfigBody {
  machineType: string;
  serviceAccount: string;
  oauthScopes: string[];
  workloadMetadataConfig: { mode: 'GKE_METADATA' };
  taints?: NodeTaintBody[];
}

/** The cluster (message Cluster), the fields the environment sets. */
export interface ClusterBody {
  name: string;
  description: string;
  network: string;
  subnetwork: string;
  initialNodeCount: number;
  nodeConfig: NodeConfigBody;
  ipAllocationPolicy: {
    useIpAliases: true;
    clusterSecondaryRangeName: string;
    servicesSecondaryRangeName: string;
  };
  privateClusterConfig: { enablePrivateNodes: true; masterIpv4CidrBlock: string };
  masterAuthorizedNetworksConfig: {
    enabled: true;
    cidrBlocks: { cidrBlock: string; displayName?: string }[];
  };
  masterAuth: { clientCertificateConfig: { issueClientCertificate: false } };
  networkPolicy: { provider: 'CALICO'; enabled: boolean };
  addonsConfig: { networkPolicyConfig: { disabled: boolean } };
  workloadIdentityConfig: { workloadPool: string };
  releaseChannel: { channel: 'RAPID' | 'REGULAR' | 'STABLE' };
  controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } };
  fleet: { project: string };
  resourceLabels: Record<string, string>;
}

/** Body of `POST v1/projects/P/locations/L/clusters` (message CreateClusterRequest). */
export interface CreateClusterBody {
  cluster: ClusterBody;
}

/** A node pool (message NodePool), the fields the environment sets. */
export interface NodePoolBody {
  name: string;
  initialNodeCount: number;
  config: NodeConfigBody;
}

/** Body of `POST v1/projects/P/locations/L/clusters/C/nodePools` (message CreateNodePoolRequest). */
export interface CreateNodePoolBody {
  nodePool: NodePoolBody;
}

/** Addresses that open the control plane to the whole internet; the spec never may. */
const OPEN_TO_ALL = new Set(['0.0.0.0/0']);

/**
 * The private cluster of the tutorial's `gcloud container clusters create`, plus the DNS-based
 * control plane endpoint (IAM-authorized; how the service reaches the API server) and fleet
 * registration at creation, so the managed mesh provisions from the cluster's first minute.
 */
export function desiredCluster(env: Environment): CreateClusterBody {
  const { project, subnet, cluster } = env.spec;
  cluster.authorizedNetworks.forEach((network, index) => {
    if (OPEN_TO_ALL.has(network.cidr)) {
      throw new PermanentError(
        'invalid-argument',
        `spec.cluster.authorizedNetworks[${index}].cidr: must not be 0.0.0.0/0; the control plane is reached through its IAM-authorized DNS endpoint`,
        { field: `spec.cluster.authorizedNetworks[${index}].cidr` },
      );
    }
  });
  return {
    cluster: {
      name: cluster.name,
      description: ownershipDescription(env, 'Private cluster of an egress environment'),
      network: networkPath(env),
      subnetwork: subnetworkPath(env),
      initialNodeCount: cluster.nodeCount,
      nodeConfig: {
        machineType: cluster.machineType,
        serviceAccount: applicationNodesEmail(env),
        oauthScopes: [CLOUD_PLATFORM_SCOPE],
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
      },
      ipAllocationPolicy: {
        useIpAliases: true,
        clusterSecondaryRangeName: subnet.podsRangeName,
        servicesSecondaryRangeName: subnet.servicesRangeName,
      },
      privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: cluster.masterCidr },
      masterAuthorizedNetworksConfig: {
        enabled: true,
        cidrBlocks: cluster.authorizedNetworks.map((network) =>
          network.displayName
            ? { cidrBlock: network.cidr, displayName: network.displayName }
            : { cidrBlock: network.cidr },
        ),
      },
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      networkPolicy: { provider: 'CALICO', enabled: cluster.networkPolicy },
      addonsConfig: { networkPolicyConfig: { disabled: !cluster.networkPolicy } },
      workloadIdentityConfig: { workloadPool: workloadPool(env) },
      releaseChannel: { channel: cluster.releaseChannel },
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } },
      fleet: { project },
      resourceLabels: ownershipLabels(env),
    },
  };
}

/** The gateway pool: tainted so only the egress gateway (which tolerates it) lands there. */
export function desiredGatewayNodePool(env: Environment): CreateNodePoolBody {
  const { gatewayPool } = env.spec;
  return {
    nodePool: {
      name: gatewayPool.name,
      initialNodeCount: gatewayPool.nodeCount,
      config: {
        machineType: gatewayPool.machineType,
        serviceAccount: gatewayNodesEmail(env),
        oauthScopes: [CLOUD_PLATFORM_SCOPE],
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        taints: [
          {
            key: gatewayPool.taint.key,
            value: gatewayPool.taint.value,
            effect: gatewayPool.taint.effect,
          },
        ],
      },
    },
  };
}

/** The `cluster` and `gateway-pool` steps' requests: the cluster, then the gateway nodes. */
export const CONTAINER_REQUESTS = {
  cluster: (env) => {
    const path = `/v1/${clusterParent(env)}/clusters`;
    return [postRequest('Cluster', env.spec.cluster.name, CONTAINER, path, desiredCluster(env))];
  },
  'gateway-pool': (env) => [
    postRequest(
      'NodePool',
      env.spec.gatewayPool.name,
      CONTAINER,
      `/v1/${clusterPath(env)}/nodePools`,
      desiredGatewayNodePool(env),
    ),
  ],
} satisfies Record<string, StepRequests>;
