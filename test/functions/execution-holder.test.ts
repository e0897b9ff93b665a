import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import {
  getTestServer,
  overrideContext,
  type FunctionsContext,
  type StepRegistry,
} from '../../functions/testing.js';
import { startTutorialRun, useFunctionsTestEnv } from '../support/functions-env.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const HOLDER =
  'projects/demo-fn/locations/us-central1/workflows/provision-environment/executions/e-1';
/** The same execution as the Executions API may name it: the project by number. */
const HOLDER_BY_NUMBER =
  'projects/123456789/locations/us-central1/workflows/provision-environment/executions/e-1';
const STRAY =
  'projects/demo-fn/locations/us-central1/workflows/provision-environment/executions/e-2';

let base: FunctionsContext;
let ensured = 0;

const registry: StepRegistry = {
  apis: {
    ensure: async () => {
      ensured++;
      return { status: 'done', outputs: { enabled: ['dns.googleapis.com'] } };
    },
    remove: async () => {
      throw new Error('remove is not called in this suite');
    },
  },
};

const call = (fn: string, body: object) => request(getTestServer(fn)).post('/').send(body);

const refusal = (runId: string, execution: string, holder: string) => ({
  kind: 'conflict',
  reason: 'not-execution-holder',
  message: `run ${runId} is held by execution ${holder}, not ${execution}: only the holder may drive or finalize it`,
  field: 'execution',
  holder,
});

async function startRun(holder?: string) {
  const runId = await startTutorialRun(base);
  if (holder) await base.stores.runs.claimExecution(runId, holder);
  return runId;
}

useFunctionsTestEnv(
  (started) => {
    base = started.ctx;
  },
  () => {
    overrideContext({ steps: registry });
    ensured = 0;
  },
);

describe('step functions: only the execution that holds the run drives it', () => {
  it('refuse a foreign execution 409 without touching the run; accept the holder and a call without execution', async () => {
    const runId = await startRun(HOLDER);
    const stray = await call('step-network', { runId, step: 'apis', execution: STRAY });
    expect(stray.status).toBe(409);
    expect(stray.body).toEqual(refusal(runId, STRAY, HOLDER));
    expect(ensured).toBe(0);
    expect(await base.stores.runs.getStep(runId, 'apis')).toBeUndefined();
    expect((await base.stores.runs.get(runId))?.status).toBe('PENDING');

    // The holder, named either way, and a caller that names no execution (manual tooling).
    for (const body of [
      { runId, step: 'apis', execution: HOLDER_BY_NUMBER },
      { runId, step: 'apis', execution: 'e-1' },
      { runId, step: 'apis' },
    ]) {
      const answer = await call('step-network', body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ status: 'done' });
    }
    expect(ensured).toBe(3);
  });

  it('claim a run that records no execution for the first caller, then refuse another', async () => {
    const runId = await startRun();
    const first = await call('step-network', { runId, step: 'apis', execution: HOLDER });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await base.stores.runs.get(runId))?.executionName).toBe(HOLDER);
    const second = await call('step-network', { runId, step: 'apis', execution: STRAY });
    expect(second.status).toBe(409);
    expect(second.body).toEqual(refusal(runId, STRAY, HOLDER));
  });

  it('answer a malformed execution 400 naming the field', async () => {
    const runId = await startRun(HOLDER);
    const bad = await call('step-network', { runId, step: 'apis', execution: 'not an execution!' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      kind: 'invalid-request',
      reason: 'invalid-execution',
      message:
        'execution must be a Workflows execution name (projects/P/locations/L/workflows/W/executions/ID) or its id',
      field: 'execution',
    });
  });
});

describe('finalize: only the execution that holds the run ends it', () => {
  it('refuses a foreign end 409 and keeps the run going; the holder ends it; a late stray is refused too', async () => {
    const runId = await startRun(HOLDER);
    const stray = await call('finalize', { runId, outcome: 'failed', execution: STRAY });
    expect(stray.status).toBe(409);
    expect(stray.body).toEqual(refusal(runId, STRAY, HOLDER));
    expect((await base.stores.runs.get(runId))?.status).toBe('PENDING');
    const env1 = await base.stores.environments.get('tutorial');
    expect(env1?.lease?.holder).toBe(runId);

    const done = await call('finalize', {
      runId,
      outcome: 'succeeded',
      execution: HOLDER_BY_NUMBER,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ runId, status: 'SUCCEEDED', again: false });
    expect((await base.stores.environments.get('tutorial'))?.status).toBe('READY');

    // After the end the stray still learns it is not the holder, not that "its" run succeeded.
    const late = await call('finalize', { runId, outcome: 'failed', execution: STRAY });
    expect(late.status).toBe(409);
    expect((await base.stores.runs.get(runId))?.status).toBe('SUCCEEDED');
  });

  it('accepts an end without execution (manual tooling, older callers)', async () => {
    const runId = await startRun(HOLDER);
    const failed = await call('finalize', {
      runId,
      outcome: 'failed',
      error: { reason: 'operator', message: 'stopped by hand' },
    });
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body).toEqual({ runId, status: 'FAILED', again: false });
    expect(await base.stores.runs.get(runId)).toMatchObject({
      status: 'FAILED',
      error: { reason: 'operator' },
    });
  });

  it('answers a malformed execution 400 naming the field', async () => {
    const runId = await startRun(HOLDER);
    const bad = await call('finalize', { runId, outcome: 'succeeded', execution: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ reason: 'invalid-execution', field: 'execution' });
    expect((await base.stores.runs.get(runId))?.status).toBe('PENDING');
  });
});
