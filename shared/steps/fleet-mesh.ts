import { PermanentError } from '../errors.js';
import { compareResource } from '../plan/gcp/diff.js';
import {
  SERVICE_MESH_FEATURE,
  desiredServiceMeshFeature,
  serviceMeshFeaturePath,
} from '../plan/gcp/gkehub.js';
import { clusterPath } from '../plan/gcp/names.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import {
  POLL_SECONDS,
  awaitStarted,
  done,
  operationFailed,
  resumeOperation,
  type StepDeps,
  waitFor,
} from './support.js';

/** Idempotency: the servicemesh feature is one per fleet; a repeated call observes it and patches only a drifted fleet default. */
export async function ensureFleetMesh(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const resource = serviceMeshFeaturePath(env);
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.gkeHub);
  if (resumed.state === 'running') return resumed.wait;
  if (resumed.state === 'failed') throw operationFailed(resource, resumed.message);
  const desired = desiredServiceMeshFeature(env);
  const observed = await deps.gcp.gkeHub.getFeature(project, SERVICE_MESH_FEATURE);
  let op;
  if (!observed) {
    const created = await deps.gcp.gkeHub.createFeature(project, SERVICE_MESH_FEATURE, desired);
    if (created === 'already-exists') {
      return waitFor(POLL_SECONDS.gkeHub, 'feature appeared meanwhile');
    }
    op = created;
  } else {
    const comparison = compareResource('Feature', desired, observed);
    if (!comparison.patch) return done({ feature: resource });
    op = await deps.gcp.gkeHub.patchFeature(
      project,
      SERVICE_MESH_FEATURE,
      desired,
      'fleetDefaultMemberConfig',
    );
  }
  return awaitStarted('gkehub', op, resource, POLL_SECONDS.gkeHub) ?? done({ feature: resource });
}

/**
 * Keeps the feature: it belongs to the project's fleet, which other environments may share
 * (docs/architecture.md "The steps"); the cluster's membership goes away with the cluster.
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
