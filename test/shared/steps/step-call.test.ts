import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../shared/errors.js';
import type {
  PendingOperation,
  StepContext,
  StepName,
  StepResult,
} from '../../../shared/core/step-contract.js';
import {
  callStep,
  directionOf,
  upstreamOutputs,
  type StepCallRecords,
} from '../../../shared/steps/step-call.js';
import { tutorialEnvironment } from './helpers.js';

/** Records the protocol's writes in order, and starts from a given attempt and operation. */
function recording(start: { attempts: number; operation?: PendingOperation }) {
  const writes: string[] = [];
  const records: StepCallRecords = {
    async begin(step) {
      writes.push(`begin ${step}`);
      return {
        attempt: start.attempts + 1,
        ...(start.operation ? { operation: start.operation } : {}),
      };
    },
    async complete(step, outputs) {
      writes.push(`complete ${step} ${JSON.stringify(outputs)}`);
    },
    async wait(step, details) {
      writes.push(
        'error' in details
          ? `wait ${step} error ${(details.error as Error).message}`
          : `wait ${step} operation ${details.result.operation?.name ?? '-'}`,
      );
    },
    async fail(step, error) {
      writes.push(`fail ${step} ${error.reason}`);
    },
  };
  return { records, writes };
}

function call(
  kind: string,
  answer: (direction: 'ensure' | 'remove', ctx: StepContext) => StepResult | Error,
  start: { attempts: number; operation?: PendingOperation } = { attempts: 0 },
) {
  const { records, writes } = recording(start);
  const seen: StepContext[] = [];
  const begun: number[] = [];
  const run = (direction: 'ensure' | 'remove') => async (ctx: StepContext) => {
    seen.push(ctx);
    writes.push(direction);
    const outcome = answer(direction, ctx);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  const outcome = callStep({
    run: { runId: 'run-1', kind, environment: tutorialEnvironment(), tenants: [] },
    step: 'network',
    implementation: { ensure: run('ensure'), remove: run('remove') },
    upstream: { apis: { enabled: ['compute.googleapis.com'] } },
    records,
    onBegin: (attempt) => begun.push(attempt),
  });
  return { outcome, writes, seen, begun };
}

describe('the step-call protocol', () => {
  it('ensures in provision and tenants runs, removes in teardown', () => {
    expect(directionOf('provision')).toBe('ensure');
    expect(directionOf('tenants')).toBe('ensure');
    expect(directionOf('teardown')).toBe('remove');
  });

  it('begins the record, gives the attempt, upstream and operation, and records DONE', async () => {
    const operation = { api: 'compute-global', name: 'op-7' };
    const { outcome, writes, seen, begun } = call(
      'provision',
      () => ({ status: 'done', outputs: { network: 'vpc' } }),
      { attempts: 2, operation },
    );
    expect(await outcome).toEqual({
      status: 'DONE',
      result: { status: 'done', outputs: { network: 'vpc' } },
    });
    expect(writes).toEqual(['begin network', 'ensure', 'complete network {"network":"vpc"}']);
    expect(begun).toEqual([3]);
    expect(seen[0]).toMatchObject({
      runId: 'run-1',
      step: 'network',
      attempt: 3,
      operation,
      upstream: { apis: { enabled: ['compute.googleapis.com'] } },
    });
  });

  it('gives no operation when none was recorded', async () => {
    const { outcome, seen } = call('teardown', () => ({ status: 'done', outputs: {} }));
    await outcome;
    expect(seen[0]).not.toHaveProperty('operation');
  });

  it('records PENDING with the operation a pending result names', async () => {
    const result: StepResult = {
      status: 'pending',
      retryAfterSeconds: 10,
      operation: { api: 'compute-global', name: 'op-1' },
    };
    const { outcome, writes } = call('teardown', () => result);
    expect(await outcome).toEqual({ status: 'PENDING', result });
    expect(writes).toEqual(['begin network', 'remove', 'wait network operation op-1']);
  });

  it('records PENDING after a retryable or unexpected error, to be called again', async () => {
    const busy = new RetryableError('cluster-busy', 'another operation runs');
    const retryable = call('provision', () => busy);
    expect(await retryable.outcome).toEqual({ status: 'PENDING', error: busy });
    expect(retryable.writes.at(-1)).toBe('wait network error another operation runs');

    const bug = new TypeError('undefined is not a function');
    const unexpected = call('provision', () => bug);
    expect(await unexpected.outcome).toEqual({ status: 'PENDING', error: bug });
  });

  it('records FAILED on a PermanentError', async () => {
    const drift = new PermanentError('immutable-drift', 'ipCidrRange differs');
    const { outcome, writes } = call('provision', () => drift);
    expect(await outcome).toEqual({ status: 'FAILED', error: drift });
    expect(writes).toEqual(['begin network', 'ensure', 'fail network immutable-drift']);
  });

  it("takes upstream outputs from every transitive dependency, this run's first", () => {
    const thisRun: Partial<Record<StepName, { from: string }>> = { network: { from: 'run' } };
    const earlier: Partial<Record<StepName, { from: string }>> = {
      apis: { from: 'environment' },
      network: { from: 'environment' },
      nat: { from: 'environment' },
    };
    expect(upstreamOutputs('subnet', (dep) => thisRun[dep] ?? earlier[dep])).toEqual({
      apis: { from: 'environment' },
      network: { from: 'run' },
    });
    expect(upstreamOutputs('apis', () => ({ any: true }))).toEqual({});
  });
});
