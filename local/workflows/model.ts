import type { Expr } from './expression.js';
import type { WfValue } from './values.js';

/**
 * A value in the workflow source: a constant, a `${...}` expression parsed once at load, or a
 * list/map whose members may hold expressions.
 */
export type Template =
  | { kind: 'const'; value: WfValue }
  | { kind: 'expr'; expr: Expr; source: string }
  | { kind: 'list'; items: Template[] }
  | { kind: 'map'; entries: Array<[string, Template]> };

/** Where a construct sits in the source, for errors and traces. */
export interface SourceLocation {
  line: number;
}

/** A `next` target: a step name or one of the reserved words. */
export type NextTarget = string;

/** One assignment of an `assign` step: `target` is a variable, `a.b`, or `a[i]` path. */
export interface Assignment {
  target: Expr;
  targetText: string;
  value: Template;
}

/** A retry predicate: a built-in or a subworkflow taking the error. */
export type PredicateRef =
  { kind: 'builtin'; name: string } | { kind: 'subworkflow'; name: string };

/** The retry policy of a `try` step (https://cloud.google.com/workflows/docs/reference/syntax/retrying). */
export interface RetryPolicy {
  predicate: PredicateRef;
  maxRetries: Template;
  initialDelay: Template;
  maxDelay: Template;
  multiplier: Template;
}

/** The iteration of a `for` step (https://cloud.google.com/workflows/docs/reference/syntax/iteration). */
export interface ForLoop extends SourceLocation {
  value: string;
  index?: string;
  in?: Template;
  range?: Template;
  steps: Step[];
}

/** What one step does; `name` is the step name, or the parent's for inline bodies. */
export type StepAction =
  | { type: 'assign'; assignments: Assignment[] }
  | { type: 'call'; function: string; args?: Array<[string, Template]>; result?: Assignment }
  | { type: 'switch'; branches: SwitchBranch[] }
  | { type: 'for'; loop: ForLoop }
  | {
      type: 'parallel';
      shared: string[];
      concurrencyLimit?: Template;
      branches?: Array<{ name: string; line: number; steps: Step[] }>;
      loop?: ForLoop;
    }
  | { type: 'try'; body: Step; retry?: RetryPolicy; except?: { as?: string; steps: Step[] } }
  | { type: 'raise'; value: Template }
  | { type: 'return'; value: Template }
  | { type: 'steps'; steps: Step[] }
  | { type: 'none' };

/** A step of a workflow. */
export interface Step extends SourceLocation {
  name: string;
  action: StepAction;
  next?: NextTarget;
}

/** A `switch` condition and what it runs when it is the first true one. */
export interface SwitchBranch extends SourceLocation {
  condition: Template;
  body: Step;
}

/** A parameter of a subworkflow; `defaultValue` is used only when the caller omits it. */
export interface Param {
  name: string;
  defaultValue?: WfValue;
}

/** `main` or a subworkflow. */
export interface Subworkflow extends SourceLocation {
  name: string;
  params: Param[];
  steps: Step[];
}

/** A loaded, validated workflow definition ready to run. */
export interface Workflow {
  filename?: string;
  subworkflows: ReadonlyMap<string, Subworkflow>;
}
