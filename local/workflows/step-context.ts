import type { WorkflowClock } from './clock.js';
import type { Expr } from './expression.js';
import type { Step, Subworkflow, Template, Workflow } from './model.js';
import type { ExecutionLimits } from './run-options.js';
import type { Frame, VariableMemory } from './scope.js';
import type { WfValue } from './values.js';

/** How a step (or a list of steps) ended: fall through, or leave by return, end, break... */
export type Completion =
  | { type: 'normal' }
  | { type: 'return'; value: WfValue }
  | { type: 'end' }
  | { type: 'break' }
  | { type: 'continue' }
  | { type: 'jump'; target: string };

export const NORMAL: Completion = { type: 'normal' };

/** The completion a `next:` target makes: a reserved word, else a jump to a step name. */
export function nextCompletion(target: string): Completion {
  if (target === 'end') return { type: 'end' };
  if (target === 'break') return { type: 'break' };
  if (target === 'continue') return { type: 'continue' };
  return { type: 'jump', target };
}

/**
 * What the step kinds (steps.ts, loops.ts, parallel.ts, try-step.ts) ask of the running
 * execution. An interface, so that the modules of the step kinds, which run each other's steps,
 * need not import each other.
 */
export interface StepContext {
  readonly workflow: Workflow;
  readonly clock: WorkflowClock;
  readonly limits: ExecutionLimits;
  readonly memory: VariableMemory;
  /** Counts the step against the step limit and traces it. */
  record(step: Step, frame: Frame): void;
  /** Evaluates a template; suspends only when it calls a subworkflow. */
  value(template: Template, frame: Frame): Promise<WfValue>;
  /** Evaluates a template that calls no subworkflow, without suspending. */
  valueSync(template: Template, frame: Frame): WfValue;
  /** Whether evaluating the template calls a subworkflow (and so may suspend). */
  callsSubworkflow(template: Template): boolean;
  /** Assigns to a variable, map key or list index, within the memory limit. */
  assign(target: Expr, value: WfValue, frame: Frame): void;
  /** Runs a `call` step's target (subworkflow, blocking or standard-library function). */
  callNamed(name: string, args: Map<string, WfValue>, frame: Frame): Promise<WfValue>;
  callSubworkflow(
    sub: Subworkflow,
    args: Map<string, WfValue>,
    depth: number,
    parallelDepth: number,
  ): Promise<WfValue>;
  runSteps(steps: Step[], frame: Frame): Promise<Completion>;
  /** Runs one step; `inline` for a switch or try body, which is not traced on its own. */
  runStep(step: Step, frame: Frame, inline?: boolean): Promise<Completion>;
}
