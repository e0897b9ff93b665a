/**
 * A local interpreter of the Google Cloud Workflows language: load a workflow definition, then
 * run it with an injectable clock, HTTP client, environment and token provider.
 */
export { loadWorkflow } from './loader.js';
export { BLOCKING_FUNCTIONS } from './call-check.js';
export { BUILTIN_RETRY_POLICIES } from './retry-parser.js';
export { runWorkflow } from './interpreter.js';
// DEFAULT_LIMITS and the types of a run (options, limits, result, trace and log entries).
export * from './run-options.js';
export type { TokenProvider } from './http-call.js';
export { RealClock, VirtualClock, type WorkflowClock } from './clock.js';
export {
  FetchHttpClient,
  HttpTransportError,
  type WorkflowHttpClient,
  type WorkflowHttpRequest,
  type WorkflowHttpResponse,
} from './http.js';
export { WorkflowLoadError, WorkflowException, workflowError, type ErrorTag } from './errors.js';
export type { Workflow } from './model.js';
export type { JsonValue, WfValue } from './values.js';
