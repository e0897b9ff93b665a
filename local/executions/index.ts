/**
 * A local Workflow Executions API v1 over the Workflows interpreter: runs the files of
 * workflows/ for the official `@google-cloud/workflows` ExecutionsClient.
 */
export {
  startExecutionsServer,
  type ExecutionsServer,
  type ExecutionsServerOptions,
} from './server.js';
export {
  EXECUTION_STATES,
  type ExecutionError,
  type ExecutionRecord,
  type ExecutionState,
} from './execution-record.js';
export { ScaledClock, ExecutionCancelledError } from './clock.js';
export { localExecutionsClient } from './client.js';
