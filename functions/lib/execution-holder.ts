import { HttpError, invalidRequest, type ErrorResponseBody } from './http.js';
import { sameExecution } from '../../shared/state/stores.js';
import type { RunRecord, RunStore } from '../../shared/state/types.js';

/** An execution name, or a bare execution id: the id is its last segment. */
const EXECUTION_NAME =
  /^(projects\/[^/]+\/locations\/[^/]+\/workflows\/[A-Za-z0-9_-]+\/executions\/)?[A-Za-z0-9_-]{1,128}$/;

/** The 409 body of a call from an execution that does not hold the run. */
export interface NotExecutionHolderBody extends ErrorResponseBody {
  reason: 'not-execution-holder';
  field: 'execution';
  /** The execution that holds the run: the workflows return it, as a refused claim does. */
  holder: string;
}

/** The `execution` field of a workflow's call: a Workflows execution name (or its id). */
export function parseExecution(value: unknown): string {
  if (typeof value !== 'string' || !EXECUTION_NAME.test(value)) {
    throw invalidRequest(
      'invalid-execution',
      'execution must be a Workflows execution name (projects/P/locations/L/workflows/W/executions/ID) or its id',
      'execution',
    );
  }
  return value;
}

/** An optional `execution` field: undefined when absent, else as {@link parseExecution}. */
export function parseOptionalExecution(value: unknown): string | undefined {
  return value === undefined ? undefined : parseExecution(value);
}

function notExecutionHolder(runId: string, execution: string, holder: string): HttpError {
  const body: NotExecutionHolderBody = {
    kind: 'conflict',
    reason: 'not-execution-holder',
    message: `run ${runId} is held by execution ${holder}, not ${execution}: only the holder may drive or finalize it`,
    field: 'execution',
    holder,
  };
  return new HttpError(409, body);
}

/**
 * Refuses (409 `not-execution-holder`) a call whose `execution` is not the one recorded on the
 * run: a stray execution (one whose claim was taken over, a manual start) must neither drive
 * nor end a run it does not hold. Names compare with the stores' own `sameExecution`, by their
 * execution id. A run that records no execution yet is claimed for the caller here, as
 * its own claim would have (level-based: whoever drives the run first holds it); an ended run
 * is left to the caller's own answer.
 *
 * A call without `execution` is accepted: manual tooling (a `curl` by an operator) and workflow
 * definitions older than this check call without one, and the workflows this service deploys
 * always send it. (`egressctl --steps-only` runs the steps in its own process, not through
 * these functions.)
 */
export async function assertExecutionHolder(
  runs: RunStore,
  run: RunRecord,
  execution: string | undefined,
): Promise<void> {
  if (execution === undefined) return;
  if (run.executionName !== undefined) {
    if (!sameExecution(run.executionName, execution))
      throw notExecutionHolder(run.id, execution, run.executionName);
    return;
  }
  const claim = await runs.claimExecution(run.id, execution);
  if (!claim.claimed && 'holder' in claim)
    throw notExecutionHolder(run.id, execution, claim.holder);
}
