import { PermanentError } from '../errors.js';
import { clusterPath } from '../plan/gcp/names.js';
import type { Environment } from '../spec/environment.js';
import type { ClusterAccess, ClusterServer, KubeClientFactory } from '../core/kube-apis.js';

export type { ClusterAccess, ClusterServer, KubeClientFactory };

/** The field of a Container API cluster that names its DNS-based control plane endpoint. */
export const DNS_ENDPOINT_FIELD = 'controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The cluster a step of this environment authenticates to: the environment's own, named from its
 * spec. Stored step outputs (`upstream.cluster.endpoint`) are never read for it: whoever could
 * write them could send the service's token anywhere (issue 16 finding 13).
 */
export function clusterAccessOf(env: Environment): ClusterAccess {
  return { clusterName: env.spec.cluster.name, clusterPath: clusterPath(env) };
}

/**
 * The API server to call for a cluster as the Container API returned it (clusters.get, read at
 * call time): its DNS-based endpoint. Against Google, https only (a bare host name means https);
 * against the local stack, only a loopback address, over http or https (the Kubernetes
 * simulator the GCP simulator reports). Anything else is refused before a token is fetched.
 */
export function clusterServerOf(
  access: ClusterAccess,
  cluster: Record<string, unknown> | undefined,
  mode: 'google' | 'local',
): ClusterServer {
  if (!cluster) {
    throw new PermanentError(
      'cluster-not-found',
      `cluster ${access.clusterPath} does not exist: its Kubernetes API cannot be reached`,
      { field: 'spec.cluster.name', resource: access.clusterPath },
    );
  }
  const config = cluster.controlPlaneEndpointsConfig as
    { dnsEndpointConfig?: { endpoint?: unknown } } | undefined;
  const endpoint = config?.dnsEndpointConfig?.endpoint;
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new PermanentError(
      'missing-cluster-endpoint',
      `cluster ${access.clusterPath} reports no DNS-based endpoint (${DNS_ENDPOINT_FIELD}): the Kubernetes API cannot be reached`,
      { field: DNS_ENDPOINT_FIELD, resource: access.clusterPath },
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  } catch {
    url = undefined;
  }
  if (mode === 'local') {
    if (!url || !['http:', 'https:'].includes(url.protocol) || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new PermanentError(
        'non-local-cluster-endpoint',
        `cluster ${access.clusterName} reports endpoint ${endpoint}, which is not on this machine: the GCP simulator runs without a Kubernetes simulator for its clusters (start the stack with one, e.g. egressctl local up)`,
        { field: DNS_ENDPOINT_FIELD, resource: access.clusterPath },
      );
    }
  } else if (!url || url.protocol !== 'https:' || url.username || url.password) {
    throw new PermanentError(
      'insecure-cluster-endpoint',
      `cluster ${access.clusterName} reports endpoint ${endpoint}: the service sends its token to https endpoints only`,
      { field: DNS_ENDPOINT_FIELD, resource: access.clusterPath },
    );
  }
  return { clusterName: access.clusterName, endpoint };
}

/**
 * The options of `KubeConfig.loadFromOptions` for a cluster and a bearer token (plain data, so
 * shared/ can describe it while only the composition root builds the KubeConfig). A bare host
 * becomes `https://host`; a plain-http URL (the simulator) skips TLS verification.
 */
export function kubeConfigOptions(access: ClusterServer, token: string) {
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
