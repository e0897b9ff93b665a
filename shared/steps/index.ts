/**
 * The environment steps (docs/architecture.md "The steps"): one `ensure` and one `remove` per step, over
 * the API interfaces of shared/gcp. mesh-config and tenants (Kubernetes) are added by their own
 * module; the runner reports a step missing from the registry as skipped.
 */
import {
  bindStep,
  type StepFunction,
  type StepImplementation,
  type StepName,
} from '../core/step-contract.js';
import { ensureCluster, ensureGatewayPool, removeCluster, removeGatewayPool } from './cluster.js';
import {
  ensureFirewalls,
  ensureNat,
  ensureNetwork,
  ensureSubnet,
  removeFirewalls,
  removeNat,
  removeNetwork,
  removeSubnet,
} from './compute.js';
import { ensureMeshReady, removeMeshReady } from './mesh-ready.js';
import {
  ensureApis,
  ensureFleetMesh,
  removeApis,
  removeFleetMesh,
} from './project-prerequisites.js';
import { ensurePrivateDns, removePrivateDns } from './private-dns.js';
import { ensureServiceAccounts, removeServiceAccounts } from './service-accounts.js';
import type { StepDeps } from './support.js';

export type { StepImplementation, StepRegistry } from '../core/step-contract.js';
export type { StepDeps } from './support.js';
export { requestIdFor, POLL_SECONDS, MAX_FAILED_OPERATIONS } from './support.js';
export { IAM_CONSISTENCY_API, MAX_ETAG_ATTEMPTS } from './service-accounts.js';

/** The Google Cloud steps this module owns. */
export type GcpStepName = Exclude<StepName, 'mesh-config' | 'tenants'>;

const STEPS: Readonly<
  Record<GcpStepName, { ensure: StepFunction<StepDeps>; remove: StepFunction<StepDeps> }>
> = {
  apis: { ensure: ensureApis, remove: removeApis },
  network: { ensure: ensureNetwork, remove: removeNetwork },
  subnet: { ensure: ensureSubnet, remove: removeSubnet },
  nat: { ensure: ensureNat, remove: removeNat },
  'service-accounts': { ensure: ensureServiceAccounts, remove: removeServiceAccounts },
  firewalls: { ensure: ensureFirewalls, remove: removeFirewalls },
  'private-dns': { ensure: ensurePrivateDns, remove: removePrivateDns },
  'fleet-mesh': { ensure: ensureFleetMesh, remove: removeFleetMesh },
  cluster: { ensure: ensureCluster, remove: removeCluster },
  'gateway-pool': { ensure: ensureGatewayPool, remove: removeGatewayPool },
  'mesh-ready': { ensure: ensureMeshReady, remove: removeMeshReady },
};

/** The Google Cloud steps bound to their dependencies: what the runner and the functions call. */
export function environmentSteps(deps: StepDeps): Record<GcpStepName, StepImplementation> {
  const entries = Object.entries(STEPS) as [GcpStepName, (typeof STEPS)[GcpStepName]][];
  return Object.fromEntries(entries.map(([name, step]) => [name, bindStep(step, deps)])) as Record<
    GcpStepName,
    StepImplementation
  >;
}
