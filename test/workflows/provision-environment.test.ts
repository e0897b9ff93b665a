import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  ENVIRONMENT_GRAPH,
  ENVIRONMENT_STEPS,
  familyOf,
  STEP_FAMILY_NAMES,
  TYPICAL_STEP_SECONDS,
  type StepName,
} from '../../shared/plan/graph.js';
import {
  doneSeq,
  edges,
  environmentRequestEvent,
  executionNameOf,
  firstCallSeq,
  runDefinition,
  RUN_ID,
} from './run-definition.js';

const FILE = 'provision-environment.yaml';
const EXECUTION = executionNameOf(FILE);
const event = environmentRequestEvent({
  runId: RUN_ID,
  environmentId: 'tutorial',
  kind: 'provision',
});
const typicalDurations = Object.fromEntries(
  ENVIRONMENT_STEPS.map((step) => [step, { durationSeconds: TYPICAL_STEP_SECONDS[step] }]),
);

describe('provision-environment', () => {
  it('calls every step after its dependencies, in parallel branches, and finalizes READY', async () => {
    const { outcome, events, calls, finalizeCalls, clock, tokens } = await runDefinition(
      FILE,
      event,
      {
        steps: typicalDurations,
      },
    );
    expect(outcome.state, JSON.stringify(outcome)).toBe('SUCCEEDED');
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toEqual({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'provision',
      status: 'SUCCEEDED',
      passes: 1,
    });
    // No step is called before every step it depends on answered done.
    for (const [step, dep] of edges()) {
      expect(firstCallSeq(events, step), `${step} after ${dep}`).toBeGreaterThan(
        doneSeq(events, dep),
      );
    }
    // Each step went to its own function with the step-call body and an OIDC token.
    for (const call of calls) {
      expect(call.path).toBe(`/step-${familyOf(call.step as StepName)}`);
      expect(call.body).toEqual({ runId: RUN_ID, step: call.step, execution: EXECUTION });
      expect(call.authorization).toBe('Bearer token-for-OIDC');
    }
    expect(tokens.every((t) => t.type === 'OIDC' && t.audience === t.url)).toBe(true);
    // Parallel branches: independent steps overlap instead of waiting for one another.
    expect(firstCallSeq(events, 'service-accounts')).toBeLessThan(doneSeq(events, 'network'));
    expect(firstCallSeq(events, 'fleet-mesh')).toBeLessThan(doneSeq(events, 'network'));
    expect(firstCallSeq(events, 'subnet')).toBeLessThan(doneSeq(events, 'firewalls'));
    expect(firstCallSeq(events, 'gateway-pool')).toBeLessThan(doneSeq(events, 'mesh-ready'));
    expect(doneSeq(events, 'nat')).toBeLessThan(doneSeq(events, 'cluster'));
    // With the typical durations the run takes exactly the graph's critical path.
    const limit = criticalPath(ENVIRONMENT_GRAPH, TYPICAL_STEP_SECONDS).duration;
    expect(finalizeCalls).toHaveLength(1);
    expect(finalizeCalls[0]!.body).toEqual({
      runId: RUN_ID,
      outcome: 'succeeded',
      execution: EXECUTION,
    });
    expect(finalizeCalls[0]!.at).toBe(limit);
    expect(clock.seconds()).toBe(limit);
    // Polls are capped at 60 s: the 360 s cluster is asked six times.
    expect(calls.filter((c) => c.step === 'cluster')).toHaveLength(7);
    expect(Math.max(...clock.sleeps)).toBe(60_000);
  });

  it('sleeps retryAfterSeconds (capped at 60 s) while a step answers pending', async () => {
    const { outcome, calls, clock } = await runDefinition(FILE, event, {
      steps: {
        network: {
          answers: [
            {
              status: 200,
              body: {
                status: 'pending',
                retryAfterSeconds: 7,
                operation: { api: 'compute-global', name: 'op-1' },
              },
            },
            { status: 200, body: { status: 'pending', retryAfterSeconds: 600 } },
          ],
        },
      },
    });
    expect(outcome.state).toBe('SUCCEEDED');
    expect(calls.filter((c) => c.step === 'network')).toHaveLength(3);
    expect(clock.sleeps).toEqual([7_000, 60_000]);
  });

  it('retries 503 with backoff, but not 500, which fails the run', async () => {
    const retried = await runDefinition(FILE, event, {
      steps: {
        subnet: {
          answers: [
            {
              status: 503,
              body: { kind: 'retryable', reason: 'quota', message: 'try later' },
              headers: { 'retry-after': '5' },
            },
            { status: 503, body: { kind: 'retryable', reason: 'quota', message: 'try later' } },
          ],
        },
      },
    });
    expect(retried.outcome.state).toBe('SUCCEEDED');
    expect(retried.calls.filter((c) => c.step === 'subnet')).toHaveLength(3);
    expect(retried.clock.sleeps).toEqual([2_000, 4_000]);

    const failed = await runDefinition(FILE, event, {
      steps: { subnet: { answers: [{ status: 500, body: 'internal' }] } },
    });
    expect(failed.outcome.state).toBe('FAILED');
    expect(failed.calls.filter((c) => c.step === 'subnet')).toHaveLength(1);
    expect(failed.finalizeCalls[0]!.body).toEqual({
      runId: RUN_ID,
      outcome: 'failed',
      execution: EXECUTION,
      error: { reason: 'http-500', message: 'step subnet: step-network answered HTTP 500' },
    });
  });

  it('ends the run FAILED with the step error on a permanent failure (422), and stops the siblings', async () => {
    const drift = {
      kind: 'permanent',
      reason: 'immutable-drift',
      message: 'subnet ipCidrRange is 10.0.0.0/24, the spec says 10.1.0.0/24',
      field: 'spec.network.subnet.cidr',
    };
    const { outcome, calls, finalizeCalls } = await runDefinition(FILE, event, {
      steps: {
        firewalls: { answers: [{ status: 422, body: drift }] },
        subnet: { durationSeconds: 120 },
      },
    });
    expect(outcome.state).toBe('FAILED');
    expect(finalizeCalls[0]!.body).toEqual({
      runId: RUN_ID,
      outcome: 'failed',
      execution: EXECUTION,
      error: { reason: 'immutable-drift', message: `step firewalls: ${drift.message}` },
    });
    expect(finalizeCalls.every((c) => (c.body as { outcome: string }).outcome === 'failed')).toBe(
      true,
    );
    // The pending sibling learnt at its next call that the run is over (409) and stopped.
    const subnet = calls.filter((c) => c.step === 'subnet');
    expect(subnet.at(-1)!.status).toBe(409);
    expect(calls.some((c) => c.step === 'cluster')).toBe(false);
    // The execution's error carries the step's failure inside the parallel branch error.
    const error = (outcome.state === 'FAILED' ? outcome.error : null) as {
      tags: string[];
      branches: Array<{ error: { branches?: Array<{ error: unknown }> } }>;
    };
    expect(error.tags).toEqual(['UnhandledBranchError']);
    expect(JSON.stringify(error)).toContain('"reason":"immutable-drift"');
  });

  it('fails a step that stays pending past STEP_DEADLINE_SECONDS', async () => {
    const { outcome, finalizeCalls, calls } = await runDefinition(FILE, event, {
      steps: { apis: { durationSeconds: 10_000 } },
      env: { STEP_DEADLINE_SECONDS: '150' },
    });
    expect(outcome.state).toBe('FAILED');
    expect(calls.filter((c) => c.step === 'apis')).toHaveLength(3);
    expect(finalizeCalls[0]!.body).toMatchObject({
      outcome: 'failed',
      error: { reason: 'step-deadline-exceeded' },
    });
  });

  it('reapplies tenants when finalize reports tenant events during the run', async () => {
    const { outcome, calls, finalizeCalls } = await runDefinition(FILE, event, { dirtyPasses: 1 });
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toMatchObject({ passes: 2 });
    expect(calls.filter((c) => c.step === 'tenants')).toHaveLength(2);
    expect(finalizeCalls).toHaveLength(2);
  });

  it('accepts the request JSON itself (a manual start) and refuses anything else', async () => {
    const manual = await runDefinition(FILE, { runId: RUN_ID, environmentId: 'tutorial' });
    expect(manual.outcome.state).toBe('SUCCEEDED');

    const invalid = await runDefinition(FILE, { hello: 'world' });
    expect(invalid.outcome.state).toBe('FAILED');
    expect(invalid.outcome.state === 'FAILED' && invalid.outcome.error).toMatchObject({
      reason: 'invalid-argument',
    });
    expect(invalid.events).toHaveLength(0);
  });

  it('refuses to run without FUNCTION_URL_TEMPLATE or STEP_BASE_URL', async () => {
    const { outcome, events } = await runDefinition(FILE, event, {
      env: { STEP_BASE_URL: '', FUNCTION_URL_TEMPLATE: '' },
    });
    expect(outcome.state === 'FAILED' && outcome.error).toMatchObject({
      reason: 'missing-configuration',
    });
    expect(events).toHaveLength(0);
  });

  it('finds each function through FUNCTION_URL_TEMPLATE (one URL per function, as on Cloud Run)', async () => {
    const { outcome, calls, finalizeCalls } = await runDefinition(FILE, event, {
      env: (url) => ({ STEP_BASE_URL: '', FUNCTION_URL_TEMPLATE: `${url}/{name}` }),
    });
    expect(outcome.state, JSON.stringify(outcome)).toBe('SUCCEEDED');
    expect(new Set(calls.map((c) => c.path))).toEqual(
      new Set(STEP_FAMILY_NAMES.map((family) => `/step-${family}`)),
    );
    expect(finalizeCalls.length).toBeGreaterThan(0);
  });

  it('hands a teardown request over to teardown-environment through the Executions API', async () => {
    const teardown = environmentRequestEvent({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'teardown',
    });
    const { outcome, events, tokens } = await runDefinition(FILE, teardown, {
      env: (url) => ({ WORKFLOW_EXECUTIONS_URL: url }),
    });
    expect(events.filter((e) => e.kind === 'call')).toHaveLength(0);
    // The run is teardown-environment's to claim: claiming it here would make that a duplicate.
    expect(events.filter((e) => e.kind === 'claim')).toHaveLength(0);
    const started = events.find((e) => e.kind === 'execution');
    expect(started?.path).toBe(
      '/v1/projects/local-project/locations/local/workflows/teardown-environment/executions',
    );
    expect(JSON.parse((started!.body as { argument: string }).argument)).toEqual(teardown);
    expect(tokens).toEqual([expect.objectContaining({ type: 'OAuth2' })]);
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toMatchObject({
      kind: 'teardown',
      handedOverTo: expect.stringContaining('teardown-environment/executions/'),
    });
  });
});
