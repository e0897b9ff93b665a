import type { Request, Response } from '@google-cloud/functions-framework';
import type { StepName } from '../../shared/core/step-contract.js';
import { STEP_FAMILIES, type StepFamily } from '../../shared/plan/graph.js';
import type { RunStore, TenantRecord, TenantStatus } from '../../shared/state/types.js';
import {
  callStep,
  directionOf,
  upstreamOutputs,
  type StepCallRecords,
} from '../../shared/steps/step-call.js';
import { getContext } from '../context.js';
import { recordAppliedTenants } from './access-history.js';
import { assertExecutionHolder, parseOptionalExecution } from './execution-holder.js';
import { HttpError, documentBody, errorResponse, invalidRequest, jsonHandler } from './http.js';
import { parseRunId, runNotFound } from './run-id.js';

/**
 * The body a workflow sends a step function. `execution` names the calling workflow execution
 * (the workflows always send it): only the run's holder may drive it. A call without it
 * (manual tooling, older workflow definitions) is accepted.
 */
export interface StepRequest {
  runId: string;
  step: StepName;
  execution?: string;
}

function parseStepRequest(body: unknown, family: StepFamily): StepRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('invalid-step-request', 'the body must be {"runId", "step"}', 'body');
  }
  const { runId: rawRunId, step, execution } = body as Record<string, unknown>;
  const runId = parseRunId(rawRunId);
  const allowed: readonly string[] = STEP_FAMILIES[family];
  if (typeof step !== 'string' || !allowed.includes(step)) {
    throw invalidRequest(
      'unknown-step',
      `step must be one of ${allowed.join(', ')} (function step-${family})`,
      'step',
    );
  }
  const caller = parseOptionalExecution(execution);
  return { runId, step: step as StepName, ...(caller !== undefined ? { execution: caller } : {}) };
}

/**
 * The HTTP function of one step family: loads the run and environment, holds the lease,
 * calls the step's `ensure` (or `remove` in a teardown run), records attempts, operation,
 * outputs and errors, and answers 200 with the StepResult, 503 (Retry-After) for a retryable
 * error, 422 for a permanent one, 501 for a step not implemented, 409 `not-execution-holder`
 * for a call whose `execution` is not the run's recorded execution.
 */
export function stepHandler(family: StepFamily): (req: Request, res: Response) => Promise<void> {
  return jsonHandler(async (req, res) => {
    const ctx = getContext();
    const { runId, step, execution } = parseStepRequest(
      documentBody(req, ctx.config.maxBodyBytes),
      family,
    );
    const run = await ctx.stores.runs.get(runId);
    if (!run) throw runNotFound(runId);
    // First, before the lease or any record: a stray execution must not touch the run at all.
    await assertExecutionHolder(ctx.stores.runs, run, execution);
    if (run.status === 'SUCCEEDED' || run.status === 'FAILED') {
      throw new HttpError(409, {
        kind: 'conflict',
        reason: 'run-finished',
        message: `run ${runId} already ended with ${run.status}`,
      });
    }
    const implementation = ctx.steps[step];
    if (!implementation) {
      throw new HttpError(501, {
        kind: 'permanent',
        reason: 'step-not-implemented',
        message: `step ${step} has no ${directionOf(run.kind)} implementation in this deployment`,
        field: 'step',
      });
    }
    const env = await ctx.stores.environments.get(run.environment);
    if (!env) {
      throw new HttpError(404, {
        kind: 'not-found',
        reason: 'environment-not-found',
        message: `environment ${run.environment} of run ${runId} not found`,
      });
    }
    // Each call renews the lease: a run that stops calling loses it after the TTL.
    if (!(await ctx.stores.environments.renewLease(env.id, runId, ctx.config.leaseSeconds))) {
      throw new HttpError(409, {
        kind: 'conflict',
        reason: 'lease-lost',
        message: `run ${runId} no longer holds environment ${env.id} (now ${env.lease?.holder ?? 'nobody'})`,
      });
    }
    if (run.status === 'PENDING') await ctx.stores.runs.markRunning(runId);
    const [tenantRecords, stepRecords] = await Promise.all([
      ctx.stores.tenants.list(env.id),
      ctx.stores.runs.listSteps(runId),
    ]);
    let attempt = 0;
    const outcome = await callStep({
      run: {
        runId,
        kind: run.kind,
        environment: env.spec,
        tenants: tenantRecords.map((t) => t.spec),
        ...(env.createdBy ? { createdBy: env.createdBy } : {}),
      },
      step,
      implementation,
      // This run's outputs first; an earlier run's (the environment's) for steps not run again.
      upstream: upstreamOutputs(
        step,
        (dep) =>
          stepRecords.find((s) => s.step === dep && s.status === 'DONE')?.outputs ??
          env.outputs[dep],
      ),
      records: firestoreStepRecords(ctx.stores.runs, runId),
      onBegin: (n) => (attempt = n),
    });

    if (outcome.status === 'DONE') {
      const { outputs } = outcome.result;
      if (run.kind !== 'teardown' && step === 'tenants') {
        // With the access history of what it changed, in the same transaction.
        const tenants = tenantRecords.map((t) => t.spec);
        await recordAppliedTenants(ctx.stores, { run, pass: attempt, outputs, tenants });
      } else if (run.kind !== 'teardown') {
        await ctx.stores.environments.mergeOutputs(env.id, step, outputs);
      }
      if (step === 'tenants') {
        // What the step was given is what it applied; a spec that changed meanwhile stays PENDING.
        // Only records whose status changes are written: a pass costs writes per change, not
        // per tenant of the environment.
        await Promise.all(
          tenantRecords
            .filter((t) => !alreadyRecorded(t, appliedStatus(t)))
            .map((t) =>
              ctx.stores.tenants.setStatus(env.id, t.id, appliedStatus(t), {
                lastAppliedHash: t.specHash,
                ifSpecHash: t.specHash,
              }),
            ),
        );
      }
    } else if (outcome.status === 'FAILED' && step === 'tenants') {
      const error = errorResponse(outcome.error).body;
      await Promise.all(
        tenantRecords.map((t) =>
          ctx.stores.tenants.setStatus(env.id, t.id, 'FAILED', { error, ifSpecHash: t.specHash }),
        ),
      );
    }
    // sendError maps an error again and logs what was unexpected, with its stack, once.
    if ('error' in outcome) throw outcome.error;
    res.status(200).json(outcome.result);
  });
}

/** What a tenant's record says once the tenants step applied its spec. */
function appliedStatus(tenant: TenantRecord): 'APPLIED' | 'REMOVED' {
  return tenant.spec.spec.state === 'absent' ? 'REMOVED' : 'APPLIED';
}

/** Whether the record already says `status` for its current spec, with no error left. */
function alreadyRecorded(tenant: TenantRecord, status: TenantStatus): boolean {
  return tenant.status === status && tenant.lastAppliedHash === tenant.specHash && !tenant.error;
}

/** The protocol's record writes as the run store's transactions; errors kept as the HTTP body. */
function firestoreStepRecords(runs: RunStore, runId: string): StepCallRecords {
  return {
    async begin(step: StepName) {
      const { before, after } = await runs.beginStep(runId, step);
      return {
        attempt: after.attempts,
        ...(before?.operation ? { operation: before.operation } : {}),
      };
    },
    async complete(step, outputs) {
      await runs.completeStep(runId, step, outputs);
    },
    async wait(step, details) {
      if ('error' in details) {
        await runs.waitStep(runId, step, { error: errorResponse(details.error).body });
      } else {
        const { operation } = details.result;
        await runs.waitStep(runId, step, operation ? { operation } : {});
      }
    },
    async fail(step, error) {
      await runs.failStep(runId, step, errorResponse(error).body);
    },
  };
}
