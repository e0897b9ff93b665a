import { missingServiceBatches } from '../plan/gcp/serviceusage.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import {
  POLL_SECONDS,
  awaitStarted,
  done,
  operationFailed,
  resumeOperation,
  type StepDeps,
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
