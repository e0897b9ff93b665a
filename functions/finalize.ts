import type { Request, Response } from '@google-cloud/functions-framework';
import type { ErrorBody } from '../shared/errors.js';
import type { EnvironmentStatus, RunKind } from '../shared/state/types.js';
import { getContext } from './context.js';
import { HttpError, documentBody, invalidRequest, jsonHandler } from './lib/http.js';

/** The body the workflows send when they end: `{runId, outcome, error?}`. */
export interface FinalizeRequest {
  runId: string;
  outcome: 'succeeded' | 'failed';
  error?: { reason?: string; message?: string };
}

const ENVIRONMENT_STATUS_AFTER: Record<
  RunKind,
  Record<'succeeded' | 'failed', EnvironmentStatus | undefined>
> = {
  provision: { succeeded: 'READY', failed: 'FAILED' },
  teardown: { succeeded: 'DELETED', failed: 'FAILED' },
  // A tenants run leaves the environment as it was; the tenants carry their own status.
  tenants: { succeeded: undefined, failed: undefined },
};

function parseFinalizeRequest(body: unknown): FinalizeRequest {
  const { runId, outcome, error } = (
    typeof body === 'object' && body !== null ? body : {}
  ) as Record<string, unknown>;
  if (typeof runId !== 'string' || !/^run-[0-9a-f-]{8,64}$/.test(runId)) {
    throw invalidRequest('invalid-run-id', 'runId must be a run id like run-…', 'runId');
  }
  if (outcome !== 'succeeded' && outcome !== 'failed') {
    throw invalidRequest('invalid-outcome', 'outcome must be "succeeded" or "failed"', 'outcome');
  }
  const details =
    typeof error === 'object' && error !== null ? (error as FinalizeRequest['error']) : undefined;
  return { runId, outcome, ...(details ? { error: details } : {}) };
}

/**
 * `finalize`: ends a run. On success it first completes the reconcile pass: when tenant events
 * marked the environment dirty meanwhile, it answers `again: true` and keeps the lease, and the
 * workflow reconciles tenants once more; otherwise it records the end, sets the environment's
 * status and releases the lease. Calling it again for an ended run changes nothing.
 */
export const finalize = jsonHandler(async (req: Request, res: Response) => {
  const ctx = getContext();
  const request = parseFinalizeRequest(documentBody(req, ctx.config.maxBodyBytes));
  const run = await ctx.stores.runs.get(request.runId);
  if (!run) {
    throw new HttpError(404, {
      kind: 'not-found',
      reason: 'run-not-found',
      message: `run ${request.runId} not found`,
      field: 'runId',
    });
  }
  if (run.status === 'SUCCEEDED' || run.status === 'FAILED') {
    res.status(200).json({ runId: run.id, status: run.status, again: false });
    return;
  }
  if (request.outcome === 'succeeded') {
    const pass = await ctx.stores.environments.completePass(run.environment, run.id);
    if (pass.again) {
      res.status(200).json({ runId: run.id, status: run.status, again: true });
      return;
    }
  } else {
    await ctx.stores.environments.releaseLease(run.environment, run.id);
  }
  const error: ErrorBody | undefined =
    request.outcome === 'failed'
      ? {
          kind: 'permanent',
          reason: request.error?.reason ?? 'workflow-failed',
          message: request.error?.message ?? 'the workflow reported a failure',
        }
      : undefined;
  const finished = await ctx.stores.runs.finish(
    run.id,
    request.outcome === 'succeeded' ? 'SUCCEEDED' : 'FAILED',
    error,
  );
  const status = ENVIRONMENT_STATUS_AFTER[run.kind][request.outcome];
  if (status) await ctx.stores.environments.update(run.environment, { status });
  res.status(200).json({ runId: run.id, status: finished?.status, again: false });
});
