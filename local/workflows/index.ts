/**
 * A local interpreter of the Google Cloud Workflows language: load a workflow definition, then
 * run it with an injectable clock, HTTP client, environment and token provider.
 */
export { loadWorkflow, BLOCKING_FUNCTIONS, BUILTIN_RETRY_POLICIES } from './loader.js';
export {
  runWorkflow,
  DEFAULT_LIMITS,
  type ExecutionLimits,
  type ExecutionResult,
  type LogEntry,
  type RunOptions,
  type TokenProvider,
  type TraceEntry,
} from './interpreter.js';
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
