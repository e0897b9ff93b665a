/**
 * Recording the access history (docs/architecture.md "Run state"): when a run's tenants step
 * result becomes the environment's outputs, the cells it changed are stored with it, in one
 * transaction (shared/state AccessHistoryStore.recordTenantsOutputs); a teardown's end records
 * every tenant losing what it had.
 */
import type { StepOutputs } from '../../shared/core/step-contract.js';
import type { Tenant } from '../../shared/spec/index.js';
import type { RunRecord, StateStores } from '../../shared/state/types.js';
import { accessChangesBetween } from './access-history-diff.js';

/** What a teardown leaves of the tenants step's outputs: no tenant reaches anything. */
const TORN_DOWN: StepOutputs = {
  reachability: [],
  reachabilityChecked: 0,
  reachabilityAllowed: 0,
  tenants: [],
};

function runOf(run: RunRecord) {
  return { id: run.id, kind: run.kind, trigger: run.trigger };
}

/**
 * Stores a tenants step's outputs as the environment's, with the cells they change against the
 * outputs applied before. `pass` is the step call's attempt: a run may apply tenants again (a
 * dirty environment), each application its own change. Nothing is recorded for no change, so a
 * retried call records nothing twice.
 */
export async function recordAppliedTenants(
  stores: StateStores,
  applied: { run: RunRecord; pass: number; outputs: StepOutputs; tenants: readonly Tenant[] },
): Promise<void> {
  const recorded = await stores.accessHistory.recordTenantsOutputs({
    environmentId: applied.run.environment,
    outputs: applied.outputs,
    run: runOf(applied.run),
    pass: applied.pass,
    changes: (previous) => accessChangesBetween(previous, applied.outputs, applied.tenants),
  });
  if (recorded.changeId) {
    console.info(
      JSON.stringify({
        message: 'access history: recorded the cells a tenants step changed',
        runId: applied.run.id,
        changeId: recorded.changeId,
        cells: recorded.cells,
      }),
    );
  }
}

/**
 * A teardown ended: every cell the environment allowed is lost, recorded as the teardown's (pass
 * 0: no step call's), and the environment keeps no matrix, so an environment created again
 * under the name gains its cells anew.
 */
export async function recordTornDown(
  stores: StateStores,
  run: RunRecord,
  tenants: readonly Tenant[],
): Promise<void> {
  await recordAppliedTenants(stores, { run, pass: 0, outputs: TORN_DOWN, tenants });
}
