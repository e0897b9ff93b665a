import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  ENVIRONMENT_GRAPH,
  ENVIRONMENT_STEPS,
  reverseGraph,
  TYPICAL_STEP_SECONDS,
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

describe('teardown-environment', () => {
  const event = environmentRequestEvent({
    runId: RUN_ID,
    environmentId: 'tutorial',
    kind: 'teardown',
  });

  it('removes in the reverse order of the graph, in parallel where it allows, and finalizes', async () => {
    const steps = Object.fromEntries(
      ENVIRONMENT_STEPS.map((step) => [step, { durationSeconds: TYPICAL_STEP_SECONDS[step] }]),
    );
    const { outcome, events, calls, finalizeCalls, clock } = await runDefinition(
      'teardown-environment.yaml',
      event,
      { steps },
    );
    expect(outcome.state, JSON.stringify(outcome)).toBe('SUCCEEDED');
    expect(new Set(calls.map((c) => c.step))).toEqual(new Set(ENVIRONMENT_STEPS));
    const reversed = reverseGraph(ENVIRONMENT_GRAPH);
    for (const [step, dep] of edges(reversed)) {
      expect(firstCallSeq(events, step), `${step} removed after ${dep}`).toBeGreaterThan(
        doneSeq(events, dep),
      );
    }
    expect(calls[0]!.step).toBe('tenants');
    expect(calls.at(-1)!.step).toBe('apis');
    expect(firstCallSeq(events, 'nat')).toBeLessThan(doneSeq(events, 'mesh-config'));
    expect(firstCallSeq(events, 'network')).toBeLessThan(doneSeq(events, 'service-accounts'));
    expect(finalizeCalls.map((c) => c.body)).toEqual([
      {
        runId: RUN_ID,
        outcome: 'succeeded',
        execution: executionNameOf('teardown-environment.yaml'),
      },
    ]);
    expect(clock.seconds()).toBe(criticalPath(reversed, TYPICAL_STEP_SECONDS).duration);
  });

  it('does not reapply tenants when finalize asks for another pass', async () => {
    const { outcome, calls, finalizeCalls } = await runDefinition(
      'teardown-environment.yaml',
      event,
      { dirtyPasses: 1 },
    );
    expect(outcome.state).toBe('SUCCEEDED');
    expect(calls.filter((c) => c.step === 'tenants')).toHaveLength(1);
    expect(finalizeCalls).toHaveLength(2);
  });

  it('refuses a provision request', async () => {
    const provision = environmentRequestEvent({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'provision',
    });
    const { outcome, events } = await runDefinition('teardown-environment.yaml', provision);
    expect(outcome.state === 'FAILED' && outcome.error).toMatchObject({ reason: 'wrong-workflow' });
    expect(events).toHaveLength(0);
  });
});

describe('reconcile-tenants', () => {
  const argument = { runId: RUN_ID, environmentId: 'tutorial' };

  it('applies tenants once and ends the run', async () => {
    const { outcome, calls, finalizeCalls } = await runDefinition(
      'reconcile-tenants.yaml',
      argument,
    );
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toEqual({
      runId: RUN_ID,
      environmentId: 'tutorial',
      kind: 'tenants',
      status: 'SUCCEEDED',
      passes: 1,
    });
    expect(calls.map((c) => [c.path, c.body])).toEqual([
      [
        '/step-tenants',
        { runId: RUN_ID, step: 'tenants', execution: executionNameOf('reconcile-tenants.yaml') },
      ],
    ]);
    expect(finalizeCalls).toHaveLength(1);
  });

  it('reconciles once more when the environment was marked dirty meanwhile', async () => {
    const { outcome, events } = await runDefinition('reconcile-tenants.yaml', argument, {
      dirtyPasses: 2,
    });
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toMatchObject({ passes: 3 });
    expect(events.filter((e) => e.kind !== 'done').map((e) => e.kind)).toEqual([
      'claim',
      'call',
      'finalize',
      'call',
      'finalize',
      'call',
      'finalize',
    ]);
  });

  it('records a permanent tenant failure through finalize', async () => {
    const body = {
      kind: 'permanent',
      reason: 'invalid-tenant',
      message: 'team-x: host example.com is granted twice',
      field: 'spec.egress',
    };
    const { outcome, finalizeCalls } = await runDefinition('reconcile-tenants.yaml', argument, {
      steps: { tenants: { answers: [{ status: 422, body }] } },
    });
    expect(outcome.state === 'FAILED' && outcome.error).toMatchObject({
      step: 'tenants',
      code: 422,
      reason: 'invalid-tenant',
    });
    expect(finalizeCalls[0]!.body).toEqual({
      runId: RUN_ID,
      outcome: 'failed',
      execution: executionNameOf('reconcile-tenants.yaml'),
      error: { reason: 'invalid-tenant', message: `step tenants: ${body.message}` },
    });
  });
});
