import { workflowError } from './errors.js';
import type { ForLoop } from './model.js';
import { Scope, type Frame } from './scope.js';
import { NORMAL, type Completion, type StepContext } from './step-context.js';
import { isList, isNumeric, typeName, type WfValue } from './values.js';

/** Runs a `for` step (https://cloud.google.com/workflows/docs/reference/syntax/iteration). */
export async function runFor(ctx: StepContext, loop: ForLoop, frame: Frame): Promise<Completion> {
  const items = await loopItems(ctx, loop, frame);
  // Loop variables and variables first assigned in the body stay local to the loop (iteration page).
  const loopFrame: Frame = { ...frame, scope: new Scope(frame.scope) };
  return ctx.memory.withScope(loopFrame.scope, async () => {
    for (let i = 0; i < items.length; i++) {
      if (loop.value) ctx.memory.bind(loopFrame.scope, loop.value, items[i]!);
      if (loop.index) ctx.memory.bind(loopFrame.scope, loop.index, BigInt(i));
      const completion = await ctx.runSteps(loop.steps, loopFrame);
      if (completion.type === 'break') break;
      if (completion.type === 'continue' || completion.type === 'normal') continue;
      return completion;
    }
    return NORMAL;
  });
}

/** The values a `for` (or parallel `for`) iterates over: its `in` list or its `range`. */
export async function loopItems(ctx: StepContext, loop: ForLoop, frame: Frame): Promise<WfValue[]> {
  if (loop.in) {
    const list = await ctx.value(loop.in, frame);
    if (!isList(list))
      throw workflowError('TypeError', `"for.in" must be a list, got ${typeName(list)}`);
    return [...list];
  }
  const range = await ctx.value(loop.range!, frame);
  if (!isList(range) || range.length !== 2 || !range.every(isNumeric)) {
    throw workflowError('TypeError', '"for.range" must be a list of two numbers [start, end]');
  }
  const [start, end] = range as Array<bigint | number>;
  const items: WfValue[] = [];
  // Both ends are inclusive; a double bound makes the loop variable a double (iteration page).
  if (typeof start === 'bigint' && typeof end === 'bigint') {
    for (let v = start; v <= end; v++) items.push(v);
  } else {
    for (let v = Number(start); v <= Number(end); v++) items.push(v);
  }
  if (items.length > ctx.limits.maxSteps)
    throw workflowError('ResourceLimitError', 'range too large');
  return items;
}
