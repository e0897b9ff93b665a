/**
 * The project-wide prerequisites of an environment: the Google APIs it uses and the fleet's
 * managed service mesh. Both belong to the project, which other environments and workloads may
 * share, so teardown keeps them.
 */
import { compareResource } from '../plan/gcp/diff.js';
import {
  SERVICE_MESH_FEATURE,
  desiredServiceMeshFeature,
  serviceMeshFeaturePath,
} from '../plan/gcp/gkehub.js';
import { missingServiceBatches } from '../plan/gcp/serviceusage.js';
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

/** Idempotency: enables only the spec's services that are not enabled yet, so a repeated call reads the enabled list and writes nothing. */
export async function ensureApis(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const { project } = ctx.environment.spec;
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.serviceUsage);
  if (resumed.state === 'running') return resumed.wait;
  const enabled = await deps.gcp.serviceUsage.listEnabled(project);
  const batches = missingServiceBatches(ctx.environment, enabled);
  if (batches.length === 0) {
    return done({ enabled: [...new Set(ctx.environment.spec.apis)].sort() });
  }
  if (resumed.state === 'failed') throw operationFailed(`projects/${project}`, resumed.message);
  for (const batch of batches) {
    const op = await deps.gcp.serviceUsage.batchEnable(project, batch.serviceIds);
    const waiting = awaitStarted(
      'serviceusage',
      op,
      `projects/${project}`,
      POLL_SECONDS.serviceUsage,
      `enabling ${batch.serviceIds.join(', ')}`,
    );
    if (waiting) return waiting;
  }
  return done({ enabled: [...new Set(ctx.environment.spec.apis)].sort() });
}

/**
 * Leaves the services enabled: disabling an API would break whatever else in the project uses
 * it, and the environment cannot know whether it was the first to enable it.
 */
export async function removeApis(_ctx: StepContext, _deps: StepDeps): Promise<StepResult> {
  return done({ kept: 'services stay enabled' });
}

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
