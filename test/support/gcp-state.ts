import type { GcpSimulator } from '../../local/gcp/index.js';

/** The resource keys (full names) the GCP simulator holds in one collection now. */
export function resourceKeys(sim: GcpSimulator, collection: string): string[] {
  return Object.keys(sim.state().resources[collection] ?? {});
}

/**
 * The simulator collections the environment steps create resources in, but for the VPC
 * (compute.networks) and the fleet membership (gkehub.memberships): empty after a teardown.
 */
export const STEP_RESOURCE_COLLECTIONS = [
  'compute.subnetworks',
  'compute.routers',
  'compute.firewalls',
  'dns.managedZones',
  'iam.serviceAccounts',
  'container.clusters',
] as const;
