import {
  loadWorkflow,
  runWorkflow,
  VirtualClock,
  type RunOptions,
} from '../../../local/workflows/index.js';
import type { ExecutionResult } from '../../../local/workflows/index.js';

/** Loads and runs a workflow with a virtual clock unless the test gives its own. */
export async function execute(
  source: string,
  argument: unknown = null,
  options: RunOptions = {},
): Promise<ExecutionResult> {
  return runWorkflow(loadWorkflow(source, { filename: 'test.yaml' }), argument, {
    clock: new VirtualClock(),
    ...options,
  });
}

/** Runs a workflow that must succeed and returns its result. */
export async function resultOf(
  source: string,
  argument: unknown = null,
  options: RunOptions = {},
): Promise<unknown> {
  const outcome = await execute(source, argument, options);
  if (outcome.state !== 'SUCCEEDED')
    throw new Error(`workflow failed: ${JSON.stringify(outcome.error)}`);
  return outcome.result;
}

/** Runs a workflow that must fail and returns its error value. */
export async function errorOf(
  source: string,
  argument: unknown = null,
  options: RunOptions = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- error maps are checked field by field
): Promise<any> {
  const outcome = await execute(source, argument, options);
  if (outcome.state !== 'FAILED')
    throw new Error(`workflow succeeded: ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

/** A one-step workflow returning an expression. */
export function returning(expression: string): string {
  return `- r:\n    return: '\${${expression.replace(/'/g, "''")}}'\n`;
}

/** Evaluates one expression in a workflow. */
export function evalExpr(expression: string): Promise<unknown> {
  return resultOf(returning(expression));
}

/** Evaluates one expression that must fail; returns the error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- error maps are checked field by field
export function evalError(expression: string): Promise<any> {
  return errorOf(returning(expression));
}
