import { PermanentError } from '../errors.js';
import type { StepOutputs } from '../core/step-contract.js';
import type { ClusterAccess, KubeClientFactory } from '../core/kube-apis.js';

export type { ClusterAccess, KubeClientFactory };

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
