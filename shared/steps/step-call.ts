/**
 * The step-call protocol: how one call of a step is made and what it leaves in the step's
 * record. The step functions (functions/lib/step-handler.ts, records in Firestore) and the
 * in-process runner (runner.ts, records in memory) both call steps through it, so the two agree
 * on the upstream a step sees, its attempt number, resuming by the recorded operation, ensure
 * versus remove, and what a result or an error makes of the record.
 */
import { PermanentError } from '../errors.js';
import { ENVIRONMENT_GRAPH, upstreamOf, type StepGraph } from '../plan/graph.js';
import type { Environment } from '../spec/environment.js';
import type { Tenant } from '../spec/tenant.js';
import type {
  PendingOperation,
  StepContext,
  StepImplementation,
  StepName,
  StepOutputs,
  StepResult,
} from '../core/step-contract.js';

/** Which side of its steps a run calls: teardown removes, every other run ensures. */
export type StepDirection = 'ensure' | 'remove';

/** The direction of a run of this kind (`provision`, `teardown`, `tenants`). */
export function directionOf(kind: string): StepDirection {
  return kind === 'teardown' ? 'remove' : 'ensure';
}

/**
 * The outputs a step is given: those of every step it transitively depends on in the
 * environment graph, taken from `outputsOf` (this run's records first, then whatever the caller
 * knows from earlier runs). A dependency with no outputs anywhere is left out.
 */
export function upstreamOutputs(
  step: StepName,
  outputsOf: (dependency: StepName) => StepOutputs | undefined,
  graph: StepGraph = ENVIRONMENT_GRAPH,
): Partial<Record<StepName, StepOutputs>> {
  const upstream: Partial<Record<StepName, StepOutputs>> = {};
  for (const dependency of upstreamOf(graph, step)) {
    const outputs = outputsOf(dependency);
    if (outputs) upstream[dependency] = outputs;
  }
  return upstream;
}

/**
 * The records of one run's steps as the protocol writes them. Each store keeps them its own
 * way (and describes errors as its readers expect); the protocol decides which write happens.
 */
export interface StepCallRecords {
  /** A call begins: the attempt number (from 1) and the operation an earlier call recorded. */
  begin(step: StepName): Promise<{ attempt: number; operation?: PendingOperation }>;
  /** The step is DONE with these outputs. */
  complete(step: StepName, outputs: StepOutputs): Promise<void>;
  /** The step is PENDING: on its operation (`result`), or to be retried after `error`. */
  wait(
    step: StepName,
    details: { result: Extract<StepResult, { status: 'pending' }> } | { error: unknown },
  ): Promise<void>;
  /** The step FAILED for good. */
  fail(step: StepName, error: PermanentError): Promise<void>;
}

/** The run a step is called for: the same for every call of its steps. */
export interface StepCallRun {
  runId: string;
  /** `provision`, `teardown` or `tenants`: it picks ensure or remove. */
  kind: string;
  environment: Environment;
  tenants: readonly Tenant[];
  /** The environment's creator, when the run state knows it (StepContext.createdBy). */
  createdBy?: string;
}

/** One call of one step. */
export interface StepCall {
  run: StepCallRun;
  step: StepName;
  implementation: StepImplementation;
  upstream: Readonly<Partial<Record<StepName, StepOutputs>>>;
  records: StepCallRecords;
  /** Told the attempt number once the call has begun, before the step runs. */
  onBegin?: (attempt: number) => void;
}

/** What one call made of the step: the record's new status, with what decided it. */
export type StepCallOutcome = StepAnswered | StepThrew;

/** The step answered: DONE with its outputs, or PENDING on an operation. */
export type StepAnswered =
  | { status: 'DONE'; result: Extract<StepResult, { status: 'done' }> }
  | { status: 'PENDING'; result: Extract<StepResult, { status: 'pending' }> };

/** The step threw: PENDING to be called again (retryable or unexpected), FAILED for good. */
export type StepThrew =
  { status: 'PENDING'; error: unknown } | { status: 'FAILED'; error: PermanentError };

/**
 * Makes one call: records its beginning, gives the step its attempt number and the operation an
 * earlier call left (to resume by name), calls ensure or remove, and records the outcome: DONE
 * with outputs, PENDING on an operation or after a retryable error, FAILED on a PermanentError.
 */
export async function callStep(call: StepCall): Promise<StepCallOutcome> {
  const { step, implementation, records } = call;
  const { attempt, operation } = await records.begin(step);
  call.onBegin?.(attempt);
  const { runId, kind, environment, tenants, createdBy } = call.run;
  const context: StepContext = {
    runId,
    step,
    environment,
    tenants,
    upstream: call.upstream,
    attempt,
    ...(operation ? { operation } : {}),
    ...(createdBy ? { createdBy } : {}),
  };
  let result: StepResult;
  try {
    result =
      directionOf(kind) === 'remove'
        ? await implementation.remove(context)
        : await implementation.ensure(context);
  } catch (error) {
    if (error instanceof PermanentError) {
      await records.fail(step, error);
      return { status: 'FAILED', error };
    }
    await records.wait(step, { error });
    return { status: 'PENDING', error };
  }
  if (result.status === 'done') {
    await records.complete(step, result.outputs);
    return { status: 'DONE', result };
  }
  await records.wait(step, { result });
  return { status: 'PENDING', result };
}
