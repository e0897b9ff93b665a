import { encodeJson, isList, isMap, type WfMap, type WfValue } from './values.js';

/**
 * Error tags Workflows raises (https://cloud.google.com/workflows/docs/reference/syntax/error-types).
 */
export type ErrorTag =
  | 'AuthError'
  | 'ConnectionError'
  | 'ConnectionFailedError'
  | 'HttpError'
  | 'IndexError'
  | 'KeyError'
  | 'OperationError'
  | 'ParallelNestingError'
  | 'RecursionError'
  | 'ResourceLimitError'
  | 'ResponseTypeError'
  | 'SystemError'
  | 'TimeoutError'
  | 'TypeError'
  | 'UnhandledBranchError'
  | 'ValueError'
  | 'ZeroDivisionError';

/**
 * A Workflows exception in flight: `value` is what `except: as: e` binds and what a failed
 * execution reports — usually a map with `tags` and `message`, but `raise` may throw any value.
 */
export class WorkflowException extends Error {
  constructor(readonly value: WfValue) {
    super(describeErrorValue(value));
    this.name = 'WorkflowException';
  }
}

/** Raises a tagged error map the way the runtime does: `{message, tags, ...extra}`. */
export function workflowError(
  tag: ErrorTag,
  message: string,
  extra: Record<string, WfValue> = {},
): WorkflowException {
  const map: WfMap = new Map<string, WfValue>([
    ['message', message],
    ['tags', [tag]],
  ]);
  for (const [k, v] of Object.entries(extra)) map.set(k, v);
  return new WorkflowException(map);
}

/** The tags of an error value (empty for a raised string). */
export function errorTags(value: WfValue): string[] {
  if (!isMap(value)) return [];
  const tags = value.get('tags');
  return isList(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

function describeErrorValue(value: WfValue): string {
  if (typeof value === 'string') return value;
  if (isMap(value) && typeof value.get('message') === 'string') {
    const tags = errorTags(value);
    return `${tags.length ? `${tags.join(', ')}: ` : ''}${value.get('message') as string}`;
  }
  try {
    return encodeJson(value);
  } catch {
    return 'workflow error';
  }
}

/**
 * A workflow definition the interpreter refuses at load time, as Google refuses it at deploy
 * time: names the step (when there is one), the line and the rule broken.
 */
export class WorkflowLoadError extends Error {
  constructor(
    readonly rule: string,
    readonly location: { filename?: string; line?: number; step?: string },
  ) {
    const where = [
      location.filename,
      location.line === undefined ? undefined : `line ${location.line}`,
      location.step === undefined ? undefined : `step "${location.step}"`,
    ]
      .filter(Boolean)
      .join(', ');
    super(where ? `${where}: ${rule}` : rule);
    this.name = 'WorkflowLoadError';
  }
}
