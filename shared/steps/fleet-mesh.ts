import { PermanentError } from '../errors.js';
import { compareFeature } from '../plan/gcp/diff.js';
import {
  SERVICE_MESH_FEATURE,
  desiredServiceMeshFeature,
  serviceMeshFeaturePath,
} from '../plan/gcp/gkehub.js';
import { clusterPath } from '../plan/gcp/names.js';
import type { StepContext, StepResult } from './contract.js';
import {
  POLL_SECONDS,
  done,
  operationFailed,
  pendingOn,
  resumeOperation,
  type StepDeps,
} from './support.js';

/** Idempotency: the servicemesh feature is one per fleet; a repeated call observes it and patches only a drifted fleet default. */
export async function ensureFleetMesh(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const resource = serviceMeshFeaturePath(env);
  const resumed = await resumeOperation(ctx, deps);
  if (resumed === 'running' && ctx.operation) return pendingOn(ctx.operation, POLL_SECONDS.gkeHub);
  if (typeof resumed === 'object') throw operationFailed(resource, resumed.failed);
  const desired = desiredServiceMeshFeature(env);
  const observed = await deps.gcp.gkeHub.getFeature(project, SERVICE_MESH_FEATURE);
  let op;
  if (!observed) {
    const created = await deps.gcp.gkeHub.createFeature(project, SERVICE_MESH_FEATURE, desired);
    if (created === 'already-exists') {
      return {
        status: 'pending',
        retryAfterSeconds: POLL_SECONDS.gkeHub,
        message: 'feature appeared meanwhile',
      };
    }
    op = created;
  } else {
    const comparison = compareFeature(desired, observed);
    if (!comparison.patch) return done({ feature: resource });
    op = await deps.gcp.gkeHub.patchFeature(
      project,
      SERVICE_MESH_FEATURE,
      desired,
      'fleetDefaultMemberConfig',
    );
  }
  if (op.error) throw operationFailed(resource, op.error.message);
  if (!op.done) return pendingOn({ api: 'gkehub', name: op.name }, POLL_SECONDS.gkeHub);
  return done({ feature: resource });
}

/**
 * Keeps the feature: it belongs to the project's fleet, which other environments may share
 * (DESIGN.md); the cluster's membership goes away with the cluster.
 */
export async function removeFleetMesh(ctx: StepContext, _deps: StepDeps): Promise<StepResult> {
  return done({ kept: serviceMeshFeaturePath(ctx.environment) });
}

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
    return {
      status: 'pending',
      retryAfterSeconds: POLL_SECONDS.mesh,
      message: `no mesh state for ${clusterPath(env)} yet`,
    };
  }
  const [membership, state] = entry;
  const management = state.servicemesh?.controlPlaneManagement;
  const ready = management?.details?.some((detail) => detail.code === 'REVISION_READY') ?? false;
  if (management?.state === 'ACTIVE' && ready) {
    return done({ membership, controlPlaneState: 'ACTIVE' });
  }
  return {
    status: 'pending',
    retryAfterSeconds: POLL_SECONDS.mesh,
    message: `control plane ${management?.state ?? 'UNKNOWN'}: ${management?.details?.map((d) => d.code).join(', ') ?? 'no details'}`,
  };
}

/** Nothing to remove: the step only waits. */
export async function removeMeshReady(_ctx: StepContext, _deps: StepDeps): Promise<StepResult> {
  return done({});
}
