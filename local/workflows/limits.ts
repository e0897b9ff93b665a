/**
 * Google Cloud Workflows' documented limits that a definition must respect to deploy, each with
 * the page it comes from (local/workflows/FIDELITY.md, "Limits", says what each page states and
 * which values no stored copy of Google's pages reaches). The loader refuses a definition over
 * any of them, as `gcloud workflows deploy` does (`[INVALID_ARGUMENT] failed to build: ...`).
 * Execution limits (call stack depth, variable memory, steps) are in run-options.ts.
 */
export interface WorkflowLimit {
  /** The limit's name as Google's page words it. */
  name: string;
  value: number;
  source: string;
}

export const SOURCE_SIZE_LIMIT: WorkflowLimit = {
  name: 'Source code size',
  // "Workflow code to be executed. The size limit is 128KB." (Workflow.sourceContents)
  value: 128 * 1024,
  source:
    'https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows#Workflow',
};

export const ASSIGNMENTS_LIMIT: WorkflowLimit = {
  name: 'Assignments per assign step',
  value: 50,
  source: 'https://cloud.google.com/workflows/quotas',
};

export const SWITCH_CONDITIONS_LIMIT: WorkflowLimit = {
  name: 'Conditions per switch',
  // "Each switch block can include a maximum of 50 conditions."
  value: 50,
  source: 'https://cloud.google.com/workflows/docs/reference/syntax/conditions',
};

export const PARALLEL_BRANCHES_LIMIT: WorkflowLimit = {
  name: 'Branches per parallel step',
  value: 10,
  source: 'https://cloud.google.com/workflows/quotas',
};

export const EXPRESSION_LENGTH_LIMIT: WorkflowLimit = {
  name: 'Expression length',
  // Characters of the expression between `${` and `}`.
  value: 400,
  source: 'https://cloud.google.com/workflows/quotas',
};

/**
 * Enforced at run time by `http.*` (http-call.ts): "Response size | 2 MB | The maximum size of an
 * HTTP response (if saved to a variable, the memory limit for variables applies)".
 */
export const HTTP_RESPONSE_SIZE_LIMIT: WorkflowLimit = {
  name: 'HTTP response size',
  value: 2 * 1024 * 1024,
  source: 'https://cloud.google.com/workflows/quotas',
};

/** Every limit the loader enforces, for the documentation test. */
export const LOAD_LIMITS: readonly WorkflowLimit[] = [
  SOURCE_SIZE_LIMIT,
  ASSIGNMENTS_LIMIT,
  SWITCH_CONDITIONS_LIMIT,
  PARALLEL_BRANCHES_LIMIT,
  EXPRESSION_LENGTH_LIMIT,
];

/** Every limit this interpreter enforces (load time and run time), for the documentation test. */
export const ENFORCED_LIMITS: readonly WorkflowLimit[] = [...LOAD_LIMITS, HTTP_RESPONSE_SIZE_LIMIT];

/** The rule text of a load error for `count` over `limit`, in `unit`s. */
export function overLimit(limit: WorkflowLimit, count: number, unit: string): string {
  return `${limit.name} limit exceeded: ${count} ${unit}, the maximum is ${limit.value} (${limit.source})`;
}
