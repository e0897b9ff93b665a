import type { WorkflowClock } from './clock.js';
import type { TokenProvider } from './http-call.js';
import type { WorkflowHttpClient } from './http.js';
import type { JsonValue } from './values.js';

/** One executed step, in execution order. */
export interface TraceEntry {
  /** Step name (the parent step's name for inline switch/try bodies). */
  step: string;
  subworkflow: string;
  /** What the step did: assign, call, switch, for, parallel, try, raise, return, steps, next. */
  type: string;
  line: number;
  /** Clock time in ms when the step started. */
  at: number;
}

/** A `sys.log` entry. */
export interface LogEntry {
  severity: string;
  data: JsonValue;
  at: number;
}

/** Limits of one execution (https://cloud.google.com/workflows/quotas). */
export interface ExecutionLimits {
  /** Maximum call stack depth (subworkflow calls, predicates, expression calls). */
  maxCallDepth: number;
  /**
   * Maximum memory of all live variables and arguments of the execution, together, in bytes as
   * syntax/variables#memory-usage counts them ("The maximum amount of memory that you can use, in
   * total, for all variables that you define in a single workflow execution").
   */
  maxVariableBytes: number;
  /** Maximum number of steps one execution may run. */
  maxSteps: number;
}

/** Default limits, from the Workflows quotas page. */
export const DEFAULT_LIMITS: ExecutionLimits = {
  maxCallDepth: 20,
  maxVariableBytes: 512 * 1024,
  maxSteps: 100_000,
};

/** How one execution runs: every effect is injectable. */
export interface RunOptions {
  /** Time source; a VirtualClock makes sleeps and backoffs instant. Default: real time. */
  clock?: WorkflowClock;
  /** HTTP transport for `http.*`. Default: Node's fetch. */
  http?: WorkflowHttpClient;
  /** User environment variables plus overrides of the GOOGLE_CLOUD_* built-ins. */
  env?: Record<string, string>;
  /** Supplies tokens for `auth: {type: OIDC|OAuth2}`. Without it such calls raise AuthError. */
  tokenProvider?: TokenProvider;
  /** Called before each step runs. */
  onStep?: (entry: TraceEntry) => void;
  /** Called for each `sys.log`. */
  onLog?: (entry: LogEntry) => void;
  /** Execution id (GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID). Default: a random UUID. */
  executionId?: string;
  limits?: Partial<ExecutionLimits>;
}

/** The outcome of an execution, as the Executions API reports it, plus the step trace. */
export type ExecutionResult =
  | { state: 'SUCCEEDED'; result: JsonValue; trace: TraceEntry[]; logs: LogEntry[] }
  | { state: 'FAILED'; error: JsonValue; trace: TraceEntry[]; logs: LogEntry[] };
