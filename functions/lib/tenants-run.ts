import { randomUUID } from 'node:crypto';
import { RetryableError } from '../../shared/errors.js';
import type { RunTrigger } from '../../shared/state/types.js';
import type { FunctionsContext } from '../context.js';

/** What the reconcile-tenants workflow receives. */
export interface ReconcileTenantsArgument {
  runId: string;
  environmentId: string;
}

/** How a tenants run was started for a stored tenant change. */
export type TenantsRunStart =
  | { outcome: 'accepted'; runId: string }
  /** Another run works on the environment; it reconciles once more before it ends. */
  | { outcome: 'coalesced'; runId: string }
  | { outcome: 'key-reused'; runId: string }
  | { outcome: 'environment-not-found' };

/**
 * Starts the tenants run that applies a stored tenant change, or marks the environment dirty
 * when a run already works on it; then makes sure the run's reconcile-tenants execution is
 * started (level-based, so a redelivery or retry after a crash starts it).
 */
export async function startTenantsRun(
  ctx: FunctionsContext,
  request: {
    environmentId: string;
    trigger: RunTrigger;
    idempotencyKey: string;
    requestHash: string;
  },
): Promise<TenantsRunStart> {
  const started = await ctx.stores.runs.startRun({
    kind: 'tenants',
    environmentId: request.environmentId,
    trigger: request.trigger,
    idempotencyKey: request.idempotencyKey,
    requestHash: request.requestHash,
    leaseSeconds: ctx.config.leaseSeconds,
    onBusy: 'mark-dirty',
  });
  switch (started.outcome) {
    case 'coalesced':
      return { outcome: 'coalesced', runId: started.lease.holder };
    case 'key-reused':
      return { outcome: 'key-reused', runId: started.run.id };
    case 'not-found':
      return { outcome: 'environment-not-found' };
    case 'busy':
    case 'refused':
      throw new Error(`unreachable: a tenants run answers no ${started.outcome}`);
    case 'created':
    case 'existing':
      await ensureExecutionStarted(ctx, started.run.id, request.environmentId);
      return { outcome: 'accepted', runId: started.run.id };
  }
}

/**
 * Longer than the function's timeout (60 s, deploy/manifest.ts), so a start still in flight is
 * never taken for a crashed one; a crashed start is retried by a redelivery after it.
 */
export const EXECUTION_START_TTL_SECONDS = 120;

/**
 * Starts the run's reconcile-tenants execution unless one is recorded (level-based: a redelivery
 * after a failed or crashed start starts it). Two concurrent deliveries of one message both see
 * the run without an execution: the transactional start claim lets one of them start it; the
 * other throws retryable, so its delivery comes back later and then finds the execution (or a
 * crashed start's claim expired, and starts it).
 */
async function ensureExecutionStarted(
  ctx: FunctionsContext,
  runId: string,
  environmentId: string,
): Promise<void> {
  const token = randomUUID();
  const claim = await ctx.stores.runs.claimExecutionStart(
    runId,
    token,
    EXECUTION_START_TTL_SECONDS,
  );
  if (!claim.start) {
    if ('inProgressUntil' in claim) {
      throw new RetryableError(
        'execution-start-in-progress',
        `another delivery is starting the execution of run ${runId} (its claim lasts until ${claim.inProgressUntil})`,
      );
    }
    // An execution is recorded, or the run ended (or vanished): nothing to start.
    return;
  }
  const argument: ReconcileTenantsArgument = { runId, environmentId };
  let name: string;
  try {
    name = await ctx.executions.start(ctx.config.reconcileWorkflow, argument);
  } catch (error) {
    // Not started: let the redelivery start it at once instead of after the claim's TTL.
    await ctx.stores.runs.releaseExecutionStart(runId, token);
    throw error;
  }
  const recorded = await ctx.stores.runs.setExecution(runId, name);
  if (!recorded.recorded) {
    // Our claim expired while the start hung and another start won: the execution we started
    // finds the run held by that one and returns as a duplicate without a step.
    console.warn(
      JSON.stringify({
        severity: 'WARNING',
        message: 'tenant-events: started a duplicate execution after a slow start; it will stop',
        runId,
        started: name,
        holder: recorded.executionName,
      }),
    );
  }
}
