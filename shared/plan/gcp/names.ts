import type { Environment } from '../../spec/environment.js';

/**
 * Resource names and references of an environment, derived from the spec alone so every step
 * (and every retry of it) addresses the same resources.
 */

/** `projects/P/global/networks/N`: the relative form compute and container accept as a reference. */
export function networkPath(env: Environment): string {
  return `projects/${env.spec.project}/global/networks/${env.spec.network.name}`;
}

/** `projects/P/regions/R/subnetworks/S`. */
export function subnetworkPath(env: Environment): string {
  const { project, region, subnet } = env.spec;
  return `projects/${project}/regions/${region}/subnetworks/${subnet.name}`;
}

/**
 * The network's full URL: Cloud DNS keeps `networkUrl` as an absolute compute URL (recorded
 * traffic shows `https://www.googleapis.com/compute/v1/...`), unlike compute's relative references.
 */
export function networkUrl(env: Environment): string {
  return `https://www.googleapis.com/compute/v1/${networkPath(env)}`;
}

/** `ID@PROJECT.iam.gserviceaccount.com`. */
export function serviceAccountEmail(project: string, accountId: string): string {
  return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** Email of the application (default pool) node service account. */
export function applicationNodesEmail(env: Environment): string {
  return serviceAccountEmail(env.spec.project, env.spec.nodeServiceAccounts.application);
}

/** Email of the gateway pool node service account. */
export function gatewayNodesEmail(env: Environment): string {
  return serviceAccountEmail(env.spec.project, env.spec.nodeServiceAccounts.gateway);
}

/** `projects/P/locations/ZONE`: the cluster is zonal, as in the tutorial. */
export function clusterParent(env: Environment): string {
  return `projects/${env.spec.project}/locations/${env.spec.zone}`;
}

/** `projects/P/locations/ZONE/clusters/C`. */
export function clusterPath(env: Environment): string {
  return `${clusterParent(env)}/clusters/${env.spec.cluster.name}`;
}

/** The Workload Identity pool of the project: `PROJECT.svc.id.goog`. */
export function workloadPool(env: Environment): string {
  return `${env.spec.project}.svc.id.goog`;
}
