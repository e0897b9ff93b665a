import { PermanentError } from '../errors.js';
import type { StepOutputs } from '../steps/contract.js';
import type { KubeObjectClient } from './object-client.js';

/**
 * How the service reaches a cluster's API server: the DNS-based control plane endpoint
 * (IAM-authorized, reachable without VPC access) that the cluster step reports. The access token
 * is not part of it: it is the service's own identity, fetched by the composition root at call
 * time, so no secret ever lands in the run record.
 */
export interface ClusterAccess {
  /** The cluster's name (for messages and the kubeconfig's names). */
  clusterName: string;
  /**
   * The API server: a bare host name (`gke-….us-central1.gke.goog`, reached over https) or a
   * full URL (`http://127.0.0.1:PORT` for the local simulator).
   */
  endpoint: string;
}

/** Builds a client for a cluster; lives in functions/, cli/ or local/ (they may build KubeConfigs). */
export type KubeClientFactory = (
  access: ClusterAccess,
) => KubeObjectClient | Promise<KubeObjectClient>;

/**
 * Reads the cluster step's outputs (shared/steps/cluster.ts): `endpoint`, the DNS-based control
 * plane endpoint (`dnsEndpoint` is accepted too), and `clusterName`. A missing endpoint is
 * permanent: no retry of this step can produce it.
 */
export function clusterAccessFromOutputs(outputs: StepOutputs | undefined): ClusterAccess {
  const endpoint = outputs?.endpoint || outputs?.dnsEndpoint;
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new PermanentError(
      'missing-upstream-output',
      'the cluster step reported no DNS-based endpoint: the Kubernetes API cannot be reached',
      { field: 'upstream.cluster.endpoint' },
    );
  }
  const name = outputs?.clusterName ?? outputs?.name;
  return { endpoint, clusterName: typeof name === 'string' && name !== '' ? name : 'cluster' };
}

/**
 * The options of `KubeConfig.loadFromOptions` for a cluster and a bearer token (plain data, so
 * shared/ can describe it while only the composition root builds the KubeConfig). A bare host
 * becomes `https://host`; a plain-http URL (the simulator) skips TLS verification.
 */
export function kubeConfigOptions(access: ClusterAccess, token: string) {
  const server = /^https?:\/\//.test(access.endpoint)
    ? access.endpoint
    : `https://${access.endpoint}`;
  const name = access.clusterName;
  return {
    clusters: [{ name, server, skipTLSVerify: server.startsWith('http://') }],
    users: [{ name: `${name}-user`, token }],
    contexts: [{ name, cluster: name, user: `${name}-user` }],
    currentContext: name,
  };
}
