/**
 * The canonical status (google.rpc.Code name) Google's APIs pair with each HTTP code in their
 * error bodies. The adapters read it when a body names no status; the local GCP simulator writes
 * it into the bodies it answers, so both sides speak from one table.
 */
export const CANONICAL_STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};
