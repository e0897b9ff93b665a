/**
 * Step `mesh-ready`: waits, reading only, until the fleet reports the cluster's managed control
 * plane ACTIVE with REVISION_READY.
 */
import { PermanentError } from '../errors.js';
import { SERVICE_MESH_FEATURE, serviceMeshFeaturePath } from '../plan/gcp/gkehub.js';
import { clusterPath } from '../plan/gcp/names.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import { POLL_SECONDS, done, type StepDeps, waitFor } from './support.js';

/** The membership-state key suffix of the environment's cluster. */
function membershipSuffix(ctx: StepContext): string {
  return `/memberships/${ctx.environment.spec.cluster.name}`;
}

interface MeshMembershipState {
  servicemesh?: {
    controlPlaneManagement?: { state?: string; details?: { code?: string; details?: string }[] };
  };
}

/** Idempotency: reads only; done once the cluster's managed control plane is ACTIVE with REVISION_READY, pending before. */
export async function ensureMeshReady(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const feature = await deps.gcp.gkeHub.getFeature(env.spec.project, SERVICE_MESH_FEATURE);
  if (!feature) {
    throw new PermanentError(
      'missing-dependency',
      `${serviceMeshFeaturePath(env)} does not exist; the fleet-mesh step creates it`,
      { resource: serviceMeshFeaturePath(env) },
    );
  }
  const states = (feature.membershipStates ?? {}) as Record<string, MeshMembershipState>;
  const entry = Object.entries(states).find(([key]) => key.endsWith(membershipSuffix(ctx)));
  if (!entry) {
    return waitFor(POLL_SECONDS.mesh, `no mesh state for ${clusterPath(env)} yet`);
  }
  const [membership, state] = entry;
  const management = state.servicemesh?.controlPlaneManagement;
  const ready = management?.details?.some((detail) => detail.code === 'REVISION_READY') ?? false;
  if (management?.state === 'ACTIVE' && ready) {
    return done({ membership, controlPlaneState: 'ACTIVE' });
  }
  return waitFor(
    POLL_SECONDS.mesh,
    `control plane ${management?.state ?? 'UNKNOWN'}: ${management?.details?.map((d) => d.code).join(', ') ?? 'no details'}`,
  );
}

/** Nothing to remove: the step only waits. */
export async function removeMeshReady(_ctx: StepContext, _deps: StepDeps): Promise<StepResult> {
  return done({});
}
