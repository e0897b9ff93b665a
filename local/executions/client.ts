import type { ExecutionsClient } from '@google-cloud/workflows';
import { executionsClient } from '../../functions/lib/executions-client.js';

/**
 * The official ExecutionsClient pointed at a local Executions API (`http://127.0.0.1:PORT`):
 * REST fallback over plain HTTP, no credentials; built as the functions build theirs.
 */
export function localExecutionsClient(endpoint: string): ExecutionsClient {
  return executionsClient(endpoint);
}
