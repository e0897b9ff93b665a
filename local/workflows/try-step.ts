import { WorkflowException, workflowError } from './errors.js';
import type { RetryPolicy, Step, Template } from './model.js';
import { Scope, type Frame } from './scope.js';
import { nextCompletion, type Completion, type StepContext } from './step-context.js';
import { defaultRetryPredicate } from './stdlib/index.js';
import { isNumeric, typeName, type WfValue } from './values.js';

type TryAction = Extract<Step['action'], { type: 'try' }>;

/** A retry policy's numbers, evaluated once when the `try` step starts. */
interface RetrySettings {
  maxRetries: number;
  initialDelay: number;
  maxDelay: number;
  multiplier: number;
}

/**
 * Runs a `try` step: its body, retried while the policy's predicate accepts the error
 * (https://cloud.google.com/workflows/docs/reference/syntax/retrying), then handed to `except`
 * (https://cloud.google.com/workflows/docs/reference/syntax/catching-errors).
 */
export async function runTry(
  ctx: StepContext,
  action: TryAction,
  frame: Frame,
): Promise<Completion> {
  let retries = 0;
  const policy = action.retry ? await retrySettings(ctx, action.retry, frame) : undefined;
  for (;;) {
    try {
      const completion = await ctx.runStep(action.body, frame, true);
      if (completion.type === 'normal' && action.body.next !== undefined)
        return nextCompletion(action.body.next);
      return completion;
    } catch (err) {
      if (!(err instanceof WorkflowException)) throw err;
      if (
        policy &&
        retries < policy.maxRetries &&
        (await predicate(ctx, action.retry!, err.value, frame))
      ) {
        // Backoff: initial_delay * multiplier^n, capped at max_delay (retrying page).
        const delay = Math.min(policy.initialDelay * policy.multiplier ** retries, policy.maxDelay);
        retries++;
        await ctx.clock.sleep(delay * 1000);
        continue;
      }
      if (!action.except) throw err;
      const scope = new Scope(frame.scope);
      if (action.except.as) ctx.memory.bind(scope, action.except.as, err.value);
      return ctx.memory.withScope(scope, () =>
        ctx.runSteps(action.except!.steps, { ...frame, scope }),
      );
    }
  }
}

async function retrySettings(
  ctx: StepContext,
  policy: RetryPolicy,
  frame: Frame,
): Promise<RetrySettings> {
  const num = async (t: Template, name: string, integer: boolean): Promise<number> => {
    const v = await ctx.value(t, frame);
    if (integer ? typeof v !== 'bigint' : !isNumeric(v))
      throw workflowError(
        'TypeError',
        `retry "${name}" must be ${integer ? 'an integer' : 'a number'}, got ${typeName(v)}`,
      );
    const n = Number(v);
    if (n < 0) throw workflowError('ValueError', `retry "${name}" must not be negative`);
    return n;
  };
  return {
    maxRetries: await num(policy.maxRetries, 'max_retries', true),
    initialDelay: await num(policy.initialDelay, 'initial_delay', false),
    maxDelay: await num(policy.maxDelay, 'max_delay', false),
    multiplier: await num(policy.multiplier, 'multiplier', false),
  };
}

/** Whether the policy retries `error`: a built-in predicate, or a subworkflow's boolean. */
async function predicate(
  ctx: StepContext,
  policy: RetryPolicy,
  error: WfValue,
  frame: Frame,
): Promise<boolean> {
  if (policy.predicate.kind === 'builtin') {
    switch (policy.predicate.name) {
      case 'retry.always':
        return true;
      case 'retry.never':
        return false;
      default:
        return defaultRetryPredicate(
          error,
          policy.predicate.name === 'http.default_retry_predicate',
        );
    }
  }
  const sub = ctx.workflow.subworkflows.get(policy.predicate.name)!;
  const param = sub.params[0];
  if (!param)
    throw workflowError(
      'TypeError',
      `retry predicate "${sub.name}" must take one parameter (the error)`,
    );
  const verdict = await ctx.callSubworkflow(
    sub,
    new Map([[param.name, error]]),
    frame.depth,
    frame.parallelDepth,
  );
  if (typeof verdict !== 'boolean')
    throw workflowError(
      'TypeError',
      `retry predicate must return a boolean, got ${typeName(verdict)}`,
    );
  return verdict;
}
