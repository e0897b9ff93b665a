import { invalidField } from '../api-error.js';
import type { Json, SimStore } from '../store.js';
import { blocksOverlap, type Ipv4Block } from '../../../shared/lib/ip.js';
import { parseCidr } from './shared.js';

/**
 * What GKE refuses in a cluster beyond the schema:
 * - the control plane's /28 (`privateClusterConfig.masterIpv4CidrBlock`) must not overlap any
 *   range of the cluster's VPC network: GKE peers the control plane's network with it
 *   (https://cloud.google.com/kubernetes-engine/docs/how-to/legacy/network-isolation, "the
 *   control plane's range must not overlap with any subnet in your VPC");
 * - Workload Identity has one pool per project, `PROJECT_ID.svc.id.goog`
 *   (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity), the only value
 *   `workloadIdentityConfig.workloadPool` accepts.
 * Both answer GKE's 400 INVALID_ARGUMENT naming the field (the wording is the simulator's).
 */

/** Refuses a control plane range that overlaps a subnet range of the network. */
export function checkMasterRange(
  store: SimStore,
  master: Ipv4Block,
  networkLink: string,
  field: string,
): void {
  for (const subnet of store.list('compute.subnetworks')) {
    if (subnet.network !== networkLink) continue;
    const ranges = [
      String(subnet.ipCidrRange),
      ...((subnet.secondaryIpRanges as Json[] | undefined) ?? []).map((r) => String(r.ipCidrRange)),
    ];
    for (const range of ranges) {
      if (!blocksOverlap(master, parseCidr(range, 'subnetwork'))) continue;
      throw invalidField(
        field,
        `The given master_ipv4_cidr ${master.text} overlaps with an existing network ${range} (subnetwork "${String(subnet.name)}").`,
      );
    }
  }
}

/** Refuses a workload pool other than the cluster's project's. */
export function checkWorkloadPool(config: unknown, project: string, field: string): void {
  const pool = (config as Json | undefined)?.workloadPool;
  if (pool === undefined || pool === `${project}.svc.id.goog`) return;
  throw invalidField(
    `${field}.workloadPool`,
    `Workload pool "${String(pool)}" is invalid: the only workload pool of project "${project}" is "${project}.svc.id.goog".`,
  );
}
