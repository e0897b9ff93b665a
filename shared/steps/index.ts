/**
 * The environment steps (DESIGN.md "The steps"): one `ensure` and one `remove` per step, over
 * the API interfaces of shared/gcp. mesh-config and tenants (Kubernetes) are added by their own
 * module; the runner reports a step missing from the registry as skipped.
 */
import type { StepContext, StepName, StepResult } from './contract.js';
import { ensureApis, removeApis } from './apis.js';
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
import {
  ensureFleetMesh,
  ensureMeshReady,
  removeFleetMesh,
  removeMeshReady,
} from './fleet-mesh.js';
import { ensurePrivateDns, removePrivateDns } from './private-dns.js';
import { ensureServiceAccounts, removeServiceAccounts } from './service-accounts.js';
import type { StepDeps } from './support.js';

export type { StepDeps } from './support.js';
export { requestIdFor, POLL_SECONDS, MAX_FAILED_OPERATIONS } from './support.js';
export { IAM_CONSISTENCY_API, MAX_ETAG_ATTEMPTS } from './service-accounts.js';

/** One step's two directions. */
export interface StepImplementation {
  /** Provision: observe → diff → act; `pending` while an operation runs. */
  ensure(ctx: StepContext): Promise<StepResult>;
  /** Teardown: delete what the environment owns, by deterministic name. */
  remove(ctx: StepContext): Promise<StepResult>;
}

/** A set of step implementations by name; a step left out is not implemented (yet). */
export type StepRegistry = Partial<Record<StepName, StepImplementation>>;

/** The Google Cloud steps this module owns. */
export type GcpStepName = Exclude<StepName, 'mesh-config' | 'tenants'>;

type StepFunction = (ctx: StepContext, deps: StepDeps) => Promise<StepResult>;

const STEPS: Readonly<Record<GcpStepName, { ensure: StepFunction; remove: StepFunction }>> = {
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
  const bound = {} as Record<GcpStepName, StepImplementation>;
  for (const [name, step] of Object.entries(STEPS) as [
    GcpStepName,
    (typeof STEPS)[GcpStepName],
  ][]) {
    bound[name] = {
      ensure: (ctx) => step.ensure(ctx, deps),
      remove: (ctx) => step.remove(ctx, deps),
    };
  }
  return bound;
}
