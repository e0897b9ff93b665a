import type { ExecutionResult, TraceEntry } from '../workflows/index.js';

/** Execution states of the Executions API v1 (enum numbers as `enum-encoding=int` sends them). */
export const EXECUTION_STATES = {
  STATE_UNSPECIFIED: 0,
  ACTIVE: 1,
  SUCCEEDED: 2,
  FAILED: 3,
  CANCELLED: 4,
  UNAVAILABLE: 5,
  QUEUED: 6,
} as const;

/** One execution's state. */
export type ExecutionState = 'ACTIVE' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** google.cloud.workflows.executions.v1.Execution.Error in its JSON form. */
export interface ExecutionError {
  /** The error value raised, as JSON text. */
  payload: string;
  /** Where it was raised: step, routine (subworkflow) and line. */
  context: string;
  stackTrace: {
    elements: Array<{
      step: string;
      routine: string;
      position: { line: string; column: string; length: string };
    }>;
  };
}

/** An execution as the API returns it (FULL view), plus what the local server keeps. */
export interface ExecutionRecord {
  /** `projects/P/locations/L/workflows/W/executions/E`. */
  name: string;
  workflowId: string;
  /** The argument as JSON text ("null" when none was given). */
  argument: string;
  state: ExecutionState;
  result?: string;
  error?: ExecutionError;
  createTime: string;
  startTime: string;
  endTime?: string;
  duration?: string;
  workflowRevisionId: string;
  callLogLevel?: string;
  labels?: Record<string, string>;
  /**
   * Local only, never in the API's answer: how many times a restart of the server replayed this
   * execution from its first step (see startExecutionsServer).
   */
  replays?: number;
}

/** The record of an ACTIVE execution that ended with `outcome`. */
export function endedRecord(
  record: ExecutionRecord,
  outcome: ExecutionResult | { state: 'CANCELLED' },
): ExecutionRecord {
  const times = endTimes(record);
  if (outcome.state === 'SUCCEEDED')
    return { ...record, ...times, state: 'SUCCEEDED', result: JSON.stringify(outcome.result) };
  if (outcome.state === 'CANCELLED') return { ...record, ...times, state: 'CANCELLED' };
  return {
    ...record,
    ...times,
    state: 'FAILED',
    error: executionError(outcome.error, outcome.trace),
  };
}

/** The record of an execution ended FAILED by the server itself, with `message` as its error. */
export function interrupted(record: ExecutionRecord, message: string): ExecutionRecord {
  const payload = { message, tags: ['SystemError'] };
  return {
    ...record,
    state: 'FAILED',
    ...endTimes(record),
    error: { payload: JSON.stringify(payload), context: message, stackTrace: { elements: [] } },
  };
}

/** endTime and duration of an execution ending now. */
function endTimes(record: ExecutionRecord): { endTime: string; duration: string } {
  const ended = new Date();
  return {
    endTime: ended.toISOString(),
    duration: `${((ended.getTime() - Date.parse(record.startTime)) / 1000).toFixed(3)}s`,
  };
}

function executionError(error: unknown, trace: TraceEntry[]): ExecutionError {
  const last = trace.at(-1);
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String((error as { message: unknown }).message)
      : JSON.stringify(error);
  return {
    payload: JSON.stringify(error),
    context: last
      ? `${message}\nin step "${last.step}", routine "${last.subworkflow}", line: ${last.line}`
      : message,
    stackTrace: {
      elements: last
        ? [
            {
              step: last.step,
              routine: last.subworkflow,
              position: { line: String(last.line), column: '0', length: '0' },
            },
          ]
        : [],
    },
  };
}

/** The API's JSON of an execution: BASIC view keeps name, times, state and revision only. */
export function toApi(
  record: ExecutionRecord,
  full: boolean,
  enumsAsInt: boolean,
): Record<string, unknown> {
  const state = enumsAsInt ? EXECUTION_STATES[record.state] : record.state;
  const basic = {
    name: record.name,
    state,
    startTime: record.startTime,
    ...(record.endTime ? { endTime: record.endTime, duration: record.duration } : {}),
    workflowRevisionId: record.workflowRevisionId,
  };
  if (!full) return basic;
  return {
    ...basic,
    argument: record.argument,
    createTime: record.createTime,
    ...(record.result !== undefined ? { result: record.result } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.callLogLevel ? { callLogLevel: record.callLogLevel } : {}),
    ...(record.labels ? { labels: record.labels } : {}),
  };
}
