import type { Request, Response } from '@google-cloud/functions-framework';
import type { ErrorBody } from '../shared/errors.js';
import type { EnvironmentStatus, RunKind } from '../shared/state/types.js';
import { getContext } from './context.js';
import {
  assertExecutionHolder,
  parseExecution,
  parseOptionalExecution,
} from './lib/execution-holder.js';
import { recordTornDown } from './lib/access-history.js';
import { documentBody, invalidRequest, jsonHandler } from './lib/http.js';
import { parseRunId, runNotFound } from './lib/run-id.js';

/**
 * The body the workflows send when they end: `{runId, outcome, error?, execution?}`. With
 * `execution` (the workflows always send it), only the run's recorded execution may end it;
 * without it (manual tooling, older callers) the call is accepted.
 */
export interface FinalizeRequest {
  runId: string;
  outcome: 'succeeded' | 'failed';
  error?: { reason?: string; message?: string };
  execution?: string;
}

/**
 * The body a workflow sends first, before any step: `{runId, action: "claim", execution}`, the
 * execution's name from its built-in variables (GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID...).
 */
export interface ClaimRequest {
  runId: string;
  action: 'claim';
  execution: string;
}

/** What a claim answers (200 either way: a refusal is an answer, not an error to retry). */
export type ClaimResponse =
  | { runId: string; claimed: true }
  | { runId: string; claimed: false; holder: string }
  | { runId: string; claimed: false; ended: true; status: 'SUCCEEDED' | 'FAILED' };

const ENVIRONMENT_STATUS_AFTER: Record<
  RunKind,
  Record<'succeeded' | 'failed', EnvironmentStatus | undefined>
> = {
  provision: { succeeded: 'READY', failed: 'FAILED' },
  teardown: { succeeded: 'DELETED', failed: 'FAILED' },
  // A tenants run leaves the environment as it was; the tenants carry their own status.
  tenants: { succeeded: undefined, failed: undefined },
};

function parseRequest(body: unknown): FinalizeRequest | ClaimRequest {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (fields.action === undefined || fields.action === 'finish')
    return parseFinalizeRequest(fields);
  if (fields.action !== 'claim') {
    throw invalidRequest(
      'invalid-action',
      'action must be "claim" or "finish" (the default)',
      'action',
    );
  }
  const runId = parseRunId(fields.runId);
  const execution = parseExecution(fields.execution);
  return { runId, action: 'claim', execution };
}

function parseFinalizeRequest(fields: Record<string, unknown>): FinalizeRequest {
  const { runId: rawRunId, outcome, error } = fields;
  const runId = parseRunId(rawRunId);
  if (outcome !== 'succeeded' && outcome !== 'failed') {
    throw invalidRequest('invalid-outcome', 'outcome must be "succeeded" or "failed"', 'outcome');
  }
  const execution = parseOptionalExecution(fields.execution);
  const details =
    typeof error === 'object' && error !== null ? (error as FinalizeRequest['error']) : undefined;
  return {
    runId,
    outcome,
    ...(details ? { error: details } : {}),
    ...(execution !== undefined ? { execution } : {}),
  };
}

/**
 * One execution per run: Eventarc delivers a message at least once, so one request may start
 * two executions; each claims the run first and only the holder goes on (the other returns).
 */
async function claim(request: ClaimRequest): Promise<ClaimResponse> {
  const ctx = getContext();
  const result = await ctx.stores.runs.claimExecution(request.runId, request.execution);
  if ('notFound' in result) throw runNotFound(request.runId);
  const answer: ClaimResponse = { runId: request.runId, ...result };
  if (!result.claimed) {
    console.info(
      JSON.stringify({
        message: 'finalize: claim refused, the execution stops as a duplicate',
        ...answer,
        execution: request.execution,
      }),
    );
  }
  return answer;
}

/**
 * `finalize`: a workflow calls it twice. First, before any step, with `action: "claim"`: the
 * execution claims its run, and a refused one (a duplicate delivery) returns without a step.
 * Last, it ends the run. On success it first completes the reconcile pass: when tenant events
 * marked the environment dirty meanwhile, it answers `again: true` and keeps the lease, and the
 * workflow reconciles tenants once more; otherwise it records the end, sets the environment's
 * status and releases the lease. Calling it again for an ended run changes nothing. An end
 * that names an execution other than the run's holder is refused with 409
 * `not-execution-holder` (functions/lib/execution-holder.ts); one without `execution` is
 * accepted.
 */
export const finalize = jsonHandler(async (req: Request, res: Response) => {
  const ctx = getContext();
  const request = parseRequest(documentBody(req, ctx.config.maxBodyBytes));
  if ('action' in request) {
    res.status(200).json(await claim(request));
    return;
  }
  const run = await ctx.stores.runs.get(request.runId);
  if (!run) throw runNotFound(request.runId);
  // Before anything else, even for an ended run: a stray execution learns it is not the holder
  // (and stops quietly) rather than reading an end it did not make as its own.
  await assertExecutionHolder(ctx.stores.runs, run, request.execution);
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
  const status = ENVIRONMENT_STATUS_AFTER[run.kind][request.outcome];
  // Before the run ends, so a finalize retried after a crash still records it (a second
  // recording finds no change): every tenant lost its access, named while its record exists.
  if (status === 'DELETED') {
    const tenants = await ctx.stores.tenants.list(run.environment);
    await recordTornDown(
      ctx.stores,
      run,
      tenants.map((record) => record.spec),
    );
  }
  const finished = await ctx.stores.runs.finish(
    run.id,
    request.outcome === 'succeeded' ? 'SUCCEEDED' : 'FAILED',
    error,
  );
  if (status) await ctx.stores.environments.update(run.environment, { status });
  // A torn-down environment's tenants go with it: none reattaches to a new one of that name.
  if (status === 'DELETED') await ctx.stores.tenants.removeAll(run.environment);
  res.status(200).json({ runId: run.id, status: finished?.status, again: false });
});
