import { HttpError, invalidRequest } from './http.js';

/** A run id as the stores mint it (`run-` and a hash); anything else names no run. */
const RUN_ID = /^run-[0-9a-f-]{8,64}$/;

/** Whether `value` has the shape of a run id. */
export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

/** The `runId` field of a workflow's call, or 400 `invalid-run-id`. */
export function parseRunId(value: unknown): string {
  if (!isRunId(value)) {
    throw invalidRequest('invalid-run-id', 'runId must be a run id like run-…', 'runId');
  }
  return value;
}

/** The 404 of a workflow's call naming a run that does not exist. */
export function runNotFound(runId: string): HttpError {
  return new HttpError(404, {
    kind: 'not-found',
    reason: 'run-not-found',
    message: `run ${runId} not found`,
    field: 'runId',
  });
}
