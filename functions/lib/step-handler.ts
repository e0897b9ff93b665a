import type { Request, Response } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/errors.js';
import { ENVIRONMENT_GRAPH } from '../../shared/plan/graph.js';
import type {
  StepContext,
  StepName,
  StepOutputs,
  StepResult,
} from '../../shared/steps/contract.js';
import { getContext } from '../context.js';
import { assertExecutionHolder, parseOptionalExecution } from './execution-holder.js';
import { HttpError, documentBody, errorResponse, invalidRequest, jsonHandler } from './http.js';
import { parseRunId, runNotFound } from './run-id.js';

/** Deployed step functions and the steps each serves (one function per API family). */
export const STEP_FAMILIES = {
  network: ['apis', 'network', 'subnet'],
  nat: ['nat'],
  firewalls: ['firewalls'],
  dns: ['private-dns'],
  iam: ['service-accounts'],
  cluster: ['cluster', 'gateway-pool'],
  mesh: ['fleet-mesh', 'mesh-ready'],
  'mesh-config': ['mesh-config'],
  tenants: ['tenants'],
} as const satisfies Record<string, readonly StepName[]>;

/** Name of a step family (and of its deployed function, prefixed `step-`). */
export type StepFamily = keyof typeof STEP_FAMILIES;

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

/** Every step a step transitively depends on: their outputs are the step's upstream. */
function ancestors(step: StepName): Set<StepName> {
  const found = new Set<StepName>();
  const visit = (name: StepName) => {
    for (const dep of ENVIRONMENT_GRAPH.find((n) => n.name === name)?.dependsOn ?? []) {
      if (!found.has(dep)) {
        found.add(dep);
        visit(dep);
      }
    }
  };
  visit(step);
  return found;
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
    const call = run.kind === 'teardown' ? implementation?.remove : implementation?.ensure;
    if (!implementation || !call) {
      throw new HttpError(501, {
        kind: 'permanent',
        reason: 'step-not-implemented',
        message: `step ${step} has no ${run.kind === 'teardown' ? 'remove' : 'ensure'} implementation in this deployment`,
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
    const upstream: Partial<Record<StepName, StepOutputs>> = {};
    for (const dep of ancestors(step)) {
      const fresh = stepRecords.find((s) => s.step === dep && s.status === 'DONE')?.outputs;
      const known = fresh ?? env.outputs[dep];
      if (known) upstream[dep] = known;
    }
    const { before, after } = await ctx.stores.runs.beginStep(runId, step);
    const stepContext: StepContext = {
      runId,
      step,
      environment: env.spec,
      tenants: tenantRecords.map((t) => t.spec),
      upstream,
      attempt: after.attempts,
      ...(before?.operation ? { operation: before.operation } : {}),
    };

    let result: StepResult;
    try {
      result = await call.call(implementation, stepContext);
    } catch (error) {
      const mapped = errorResponse(error);
      if (error instanceof PermanentError) {
        await ctx.stores.runs.failStep(runId, step, mapped.body);
        if (step === 'tenants') {
          await Promise.all(
            tenantRecords.map((t) =>
              ctx.stores.tenants.setStatus(env.id, t.id, 'FAILED', {
                error: mapped.body,
                ifSpecHash: t.specHash,
              }),
            ),
          );
        }
      } else {
        await ctx.stores.runs.waitStep(runId, step, { error: mapped.body });
      }
      // sendError maps it again and logs what was unexpected, with its stack, once.
      throw error;
    }

    if (result.status === 'done') {
      await ctx.stores.runs.completeStep(runId, step, result.outputs);
      if (run.kind !== 'teardown')
        await ctx.stores.environments.mergeOutputs(env.id, step, result.outputs);
      if (step === 'tenants') {
        // What the step was given is what it applied; a spec that changed meanwhile stays PENDING.
        await Promise.all(
          tenantRecords.map((t) =>
            ctx.stores.tenants.setStatus(
              env.id,
              t.id,
              t.spec.spec.state === 'absent' ? 'REMOVED' : 'APPLIED',
              {
                lastAppliedHash: t.specHash,
                ifSpecHash: t.specHash,
              },
            ),
          ),
        );
      }
    } else {
      await ctx.stores.runs.waitStep(
        runId,
        step,
        result.operation ? { operation: result.operation } : {},
      );
    }
    res.status(200).json(result);
  });
}
