/**
 * The Google Cloud side of the environment plan: exact REST request bodies per API family, and
 * the drift rules that compare them with what the APIs answer.
 */
import type { Environment } from '../../spec/environment.js';
import type { StepName } from '../graph.js';
import { COMPUTE_REQUESTS } from './compute.js';
import { CONTAINER_REQUESTS } from './container.js';
import { privateDnsRequests } from './dns.js';
import { fleetMeshRequests } from './gkehub.js';
import { serviceAccountRequests } from './iam.js';
import type { PlannedRequest, StepRequests } from './request.js';
import { serviceUsageRequests } from './serviceusage.js';

export * from './compute.js';
export * from './container.js';
export * from './diff.js';
export * from './dns.js';
export * from './gkehub.js';
export * from './iam.js';
export * from './names.js';
export * from './ownership.js';
export * from './request.js';
export * from './serviceusage.js';
export * from './tenant-intake.js';

const REQUESTS: Readonly<Record<StepName, StepRequests>> = {
  apis: serviceUsageRequests,
  ...COMPUTE_REQUESTS,
  'service-accounts': serviceAccountRequests,
  'private-dns': privateDnsRequests,
  'fleet-mesh': fleetMeshRequests,
  ...CONTAINER_REQUESTS,
  // A wait, and Kubernetes-side steps: their objects come from the mesh compiler (shared/plan/mesh/).
  'mesh-ready': () => [],
  'mesh-config': () => [],
  tenants: () => [],
};

/** The Google Cloud requests a step makes when nothing exists yet, in the order it makes them. */
export function stepRequests(step: StepName, env: Environment): PlannedRequest[] {
  return REQUESTS[step](env);
}
