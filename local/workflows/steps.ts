import { WorkflowException, workflowError } from './errors.js';
import { runFor } from './loops.js';
import type { Step } from './model.js';
import { runParallel } from './parallel.js';
import type { Frame } from './scope.js';
import { NORMAL, nextCompletion, type Completion, type StepContext } from './step-context.js';
import { runTry } from './try-step.js';
import { typeName, type WfValue } from './values.js';

/** Runs a list of steps in order, following `next` jumps within the list. */
export async function runSteps(ctx: StepContext, steps: Step[], frame: Frame): Promise<Completion> {
  let i = 0;
  while (i < steps.length) {
    const step = steps[i]!;
    let completion = await runStep(ctx, step, frame);
    if (completion.type === 'normal' && step.next !== undefined)
      completion = nextCompletion(step.next);
    if (completion.type === 'normal') {
      i++;
      continue;
    }
    if (completion.type === 'jump') {
      const target = steps.findIndex((s) => s.name === completion.target);
      if (target >= 0) {
        i = target;
        continue;
      }
    }
    return completion;
  }
  return NORMAL;
}

/** Runs one step (https://cloud.google.com/workflows/docs/reference/syntax). */
export async function runStep(
  ctx: StepContext,
  step: Step,
  frame: Frame,
  inline = false,
): Promise<Completion> {
  if (!inline) ctx.record(step, frame);
  const action = step.action;
  switch (action.type) {
    case 'none':
      return NORMAL;
    case 'assign':
      for (const a of action.assignments) {
        // Without a subworkflow call, evaluate-and-write has no suspension point: atomic.
        const value = ctx.callsSubworkflow(a.value)
          ? await ctx.value(a.value, frame)
          : ctx.valueSync(a.value, frame);
        ctx.assign(a.target, value, frame);
      }
      return NORMAL;
    case 'call': {
      const args = new Map<string, WfValue>();
      for (const [k, t] of action.args ?? []) args.set(k, await ctx.value(t, frame));
      const result = await ctx.callNamed(action.function, args, frame);
      if (action.result) ctx.assign(action.result.target, result, frame);
      return NORMAL;
    }
    case 'switch':
      for (const branch of action.branches) {
        const condition = await ctx.value(branch.condition, frame);
        if (typeof condition !== 'boolean') {
          throw workflowError(
            'TypeError',
            `switch condition must be boolean, got ${typeName(condition)}`,
          );
        }
        if (!condition) continue;
        const completion = await runStep(ctx, branch.body, frame, true);
        if (completion.type === 'normal' && branch.body.next !== undefined)
          return nextCompletion(branch.body.next);
        return completion;
      }
      return NORMAL;
    case 'for':
      return runFor(ctx, action.loop, frame);
    case 'parallel':
      return runParallel(ctx, step, action, frame);
    case 'try':
      return runTry(ctx, action, frame);
    case 'raise':
      throw new WorkflowException(await ctx.value(action.value, frame));
    case 'return':
      return { type: 'return', value: await ctx.value(action.value, frame) };
    case 'steps':
      return runSteps(ctx, action.steps, frame);
  }
}
