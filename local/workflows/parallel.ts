import { WorkflowException, workflowError } from './errors.js';
import { loopItems } from './loops.js';
import type { ForLoop, Step } from './model.js';
import { Scope, type Frame } from './scope.js';
import { NORMAL, type Completion, type StepContext } from './step-context.js';
import type { WfValue } from './values.js';

type ParallelAction = Extract<Step['action'], { type: 'parallel' }>;

/** One branch, or one iteration of a parallel `for`. */
interface Job {
  id: string;
  run: (f: Frame) => Promise<Completion>;
  bind?: (scope: Scope) => void;
}

/**
 * Runs a `parallel` step (https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps):
 * branches or iterations run concurrently up to `concurrency_limit`, each in its own scope that
 * may assign only the `shared` variables of the enclosing one.
 */
export async function runParallel(
  ctx: StepContext,
  step: Step,
  action: ParallelAction,
  frame: Frame,
): Promise<Completion> {
  const parallelDepth = frame.parallelDepth + 1;
  if (parallelDepth > 2)
    throw workflowError(
      'ParallelNestingError',
      `parallel step "${step.name}" exceeds the maximum nesting depth of 2`,
    );
  let limit = Infinity;
  if (action.concurrencyLimit) {
    const value = await ctx.value(action.concurrencyLimit, frame);
    if (typeof value !== 'bigint' || value < 1n)
      throw workflowError('ValueError', '"concurrency_limit" must be a positive integer');
    limit = Number(value);
  }
  const shared = new Set(action.shared);
  for (const name of shared) {
    if (!frame.scope.find(name))
      throw workflowError(
        'KeyError',
        `shared variable "${name}" must be defined before the parallel step`,
      );
  }
  // Built without suspending (but for a parallel for's items): branches start when the step does.
  const jobs = action.branches
    ? branchJobs(ctx, action.branches)
    : iterationJobs(ctx, action.loop!, await loopItems(ctx, action.loop!, frame));
  const failures: Array<{ id: string; error: WfValue }> = [];
  let stopped = false;
  let nextJob = 0;
  const worker = async (): Promise<void> => {
    while (nextJob < jobs.length && !stopped) {
      const job = jobs[nextJob++]!;
      const scope = new Scope(frame.scope, shared);
      job.bind?.(scope);
      try {
        const completion = await ctx.memory.withScope(scope, () =>
          job.run({ ...frame, scope, parallelDepth }),
        );
        if (completion.type === 'break') stopped = true;
        else if (completion.type !== 'normal' && completion.type !== 'continue') {
          throw workflowError('SystemError', `"${completion.type}" cannot leave a parallel branch`);
        }
      } catch (err) {
        if (!(err instanceof WorkflowException)) throw err;
        failures.push({ id: job.id, error: err.value });
      }
    }
  };
  const workers = Math.min(limit, jobs.length);
  await Promise.all(Array.from({ length: workers }, () => worker()));
  if (failures.length) {
    // exception_policy continueAll: every branch ran to the end before the error is raised.
    throw workflowError(
      'UnhandledBranchError',
      'UnhandledBranchError: One or more branches or iterations encountered an unhandled runtime error',
      {
        branches: failures.map(
          (f) =>
            new Map<string, WfValue>([
              ['id', f.id],
              ['error', f.error],
            ]),
        ),
        truncated: false,
      },
    );
  }
  return NORMAL;
}

/** One job per branch. */
function branchJobs(ctx: StepContext, branches: NonNullable<ParallelAction['branches']>): Job[] {
  return branches.map((branch) => ({
    id: branch.name,
    run: (f) => ctx.runSteps(branch.steps, f),
  }));
}

/** One job per iteration of a parallel `for`, binding its loop variables in the job's scope. */
function iterationJobs(ctx: StepContext, loop: ForLoop, items: WfValue[]): Job[] {
  return items.map((item, i) => ({
    id: String(i),
    run: (f) => ctx.runSteps(loop.steps, f),
    bind: (scope) => {
      if (loop.value) ctx.memory.bind(scope, loop.value, item);
      if (loop.index) ctx.memory.bind(scope, loop.index, BigInt(i));
    },
  }));
}
