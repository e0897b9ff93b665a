import type { Json, StoredOperation } from '../store.js';

/** Renders an operation as `google.longrunning.Operation` (serviceusage, gkehub). */
export function renderLongRunning(op: StoredOperation): Json {
  const body: Json = { name: op.key };
  if (op.metadata) body.metadata = op.metadata;
  if (op.status === 'DONE') {
    body.done = true;
    if (op.error) body.error = op.error;
    else if (op.response) body.response = op.response;
  } else {
    body.done = false;
  }
  return body;
}
