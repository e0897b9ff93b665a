import { WorkflowLoadError } from './errors.js';
import type { Subworkflow } from './model.js';
import { STDLIB } from './stdlib/index.js';

/** Functions that block and may only be used in `call` steps, never inside expressions. */
export const BLOCKING_FUNCTIONS: ReadonlyMap<string, string[]> = new Map([
  ['http.get', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.post', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.put', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.patch', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.delete', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  [
    'http.request',
    ['method', 'url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name'],
  ],
  ['sys.sleep', ['seconds']],
  ['sys.log', ['data', 'severity', 'text', 'json', 'timeout']],
]);

/** A call the definition makes, from a `call` step, a retry predicate or an expression. */
export interface PendingCall {
  name: string;
  line: number;
  step: string;
  inExpression: boolean;
  /** The argument names of a `call` step (undefined: not checked). */
  argNames?: string[];
}

/** Calls to unknown functions, blocking functions in expressions, unknown subworkflow args. */
export function checkCalls(
  calls: readonly PendingCall[],
  subworkflows: ReadonlyMap<string, Subworkflow>,
  filename: string | undefined,
): void {
  for (const call of calls) {
    const where = { filename: filename, line: call.line, step: call.step || undefined };
    const sub = subworkflows.get(call.name);
    if (sub) {
      if (call.argNames) {
        for (const a of call.argNames) {
          if (!sub.params.some((p) => p.name === a))
            throw new WorkflowLoadError(
              `subworkflow "${call.name}" has no parameter "${a}"`,
              where,
            );
        }
        for (const p of sub.params) {
          if (p.defaultValue === undefined && !call.argNames.includes(p.name)) {
            throw new WorkflowLoadError(
              `call to "${call.name}" is missing required argument "${p.name}"`,
              where,
            );
          }
        }
      }
      continue;
    }
    const blocking = BLOCKING_FUNCTIONS.get(call.name);
    if (blocking) {
      if (call.inExpression)
        throw new WorkflowLoadError(
          `blocking function "${call.name}" can only be used in a call step, not in an expression`,
          where,
        );
      for (const a of call.argNames ?? []) {
        if (!blocking.includes(a))
          throw new WorkflowLoadError(
            `"${call.name}" has no argument "${a}" (allowed: ${blocking.join(', ')})`,
            where,
          );
      }
      continue;
    }
    const fn = STDLIB.get(call.name);
    if (fn) {
      for (const a of call.argNames ?? []) {
        if (!fn.params.includes(a))
          throw new WorkflowLoadError(
            `"${call.name}" has no argument "${a}" (allowed: ${fn.params.join(', ') || 'none'})`,
            where,
          );
      }
      continue;
    }
    throw new WorkflowLoadError(`unknown function or subworkflow "${call.name}"`, where);
  }
}
