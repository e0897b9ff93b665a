import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../shared/errors.js';
import type { StepGraph } from '../../../shared/plan/graph.js';
import type {
  StepContext,
  StepImplementation,
  StepName,
  StepRegistry,
  StepResult,
} from '../../../shared/core/step-contract.js';
import { MemoryStepRecords, runSteps, type ProgressEvent } from '../../../shared/steps/runner.js';
import { tutorialEnvironment, virtualTime } from './helpers.js';

/**
 * The runner's orchestration alone: scripted step implementations (pure logic, no Google side),
 * a virtual clock whose sleep advances time, and the in-memory record store.
 */

const env = tutorialEnvironment();

/** a → (b ‖ c) → d, with step names borrowed from the environment graph. */
const DIAMOND: StepGraph = [
  { name: 'apis', dependsOn: [], api: '-', description: 'a' },
  { name: 'network', dependsOn: ['apis'], api: '-', description: 'b' },
  { name: 'fleet-mesh', dependsOn: ['apis'], api: '-', description: 'c' },
  { name: 'subnet', dependsOn: ['network', 'fleet-mesh'], api: '-', description: 'd' },
];

type Script = (ctx: StepContext, call: number) => StepResult | Error;

function scripted(scripts: Partial<Record<StepName, Script>>, log: string[] = []): StepRegistry {
  const registry: StepRegistry = {};
  for (const [name, script] of Object.entries(scripts) as [StepName, Script][]) {
    let ensureCalls = 0;
    let removeCalls = 0;
    const implementation: StepImplementation = {
      ensure: async (ctx) => {
        ensureCalls += 1;
        log.push(`ensure ${name}`);
        const outcome = script(ctx, ensureCalls);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      remove: async (ctx) => {
        removeCalls += 1;
        log.push(`remove ${name}`);
        const outcome = script(ctx, removeCalls);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    };
    registry[name] = implementation;
  }
  return registry;
}

const ok = (): StepResult => ({ status: 'done', outputs: {} });

async function run(
  registry: StepRegistry,
  mode: 'provision' | 'teardown' = 'provision',
  backoff = {},
) {
  const time = virtualTime();
  const events: ProgressEvent[] = [];
  const records = new MemoryStepRecords();
  const report = await runSteps({
    runId: 'run-unit',
    mode,
    environment: env,
    registry,
    records,
    clock: time.clock,
    sleep: time.sleep,
    onEvent: (event) => events.push(event),
    graph: DIAMOND,
    backoff,
  });
  return { report, events, slept: time.slept(), records };
}

describe('runSteps', () => {
  it('starts independent steps together and a step only after all its dependencies', async () => {
    const log: string[] = [];
    const { report } = await run(
      scripted({ apis: ok, network: ok, 'fleet-mesh': ok, subnet: ok }, log),
    );
    expect(report.status).toBe('succeeded');
    expect(log[0]).toBe('ensure apis');
    expect(log.slice(1, 3).sort()).toEqual(['ensure fleet-mesh', 'ensure network']);
    expect(log[3]).toBe('ensure subnet');
  });

  it('sleeps retryAfterSeconds on pending and passes the recorded operation and upstream outputs back', async () => {
    const seen: (string | undefined)[] = [];
    const { report, slept, events } = await run(
      scripted({
        apis: () => ({ status: 'done', outputs: { enabled: ['x'] } }),
        network: (ctx, call) => {
          seen.push(ctx.operation?.name);
          expect(ctx.upstream.apis).toEqual({ enabled: ['x'] });
          return call < 3
            ? {
                status: 'pending',
                retryAfterSeconds: 7,
                operation: { api: 'compute-global', name: `op-${call}` },
              }
            : ok();
        },
        'fleet-mesh': ok,
        subnet: ok,
      }),
    );
    expect(report.status).toBe('succeeded');
    expect(seen).toEqual([undefined, 'op-1', 'op-2']);
    expect(slept).toBe(14_000);
    expect(report.steps.network?.operation).toBeUndefined();
    const pending = events.filter((e) => e.type === 'pending');
    expect(pending).toHaveLength(2);
  });

  it('retries RetryableError with capped exponential backoff, honouring a larger hint', async () => {
    const { report, events } = await run(
      scripted({
        apis: (_ctx, call) => (call <= 5 ? new RetryableError('unavailable', 'try later') : ok()),
        network: (_ctx, call) =>
          call === 1
            ? new RetryableError('rate-limited', 'quota', { retryAfterSeconds: 10 })
            : ok(),
        'fleet-mesh': ok,
        subnet: ok,
      }),
      'provision',
      { initialSeconds: 1, maxSeconds: 4, maxAttempts: 10 },
    );
    expect(report.status).toBe('succeeded');
    const delays = (step: StepName) =>
      events.flatMap((e) => (e.type === 'retrying' && e.step === step ? [e.delaySeconds] : []));
    expect(delays('apis')).toEqual([1, 2, 4, 4, 4]);
    expect(delays('network')).toEqual([4]);
  });

  it('gives up after maxAttempts consecutive retryable failures', async () => {
    const { report } = await run(
      scripted({ apis: () => new RetryableError('unavailable', 'down for good') }),
      'provision',
      { maxAttempts: 3 },
    );
    expect(report.failure).toMatchObject({
      step: 'apis',
      reason: 'retries-exhausted:unavailable',
      message: 'down for good',
    });
  });

  it('stops on PermanentError with step, reason, resource, field and message; starts nothing after it', async () => {
    const log: string[] = [];
    const { report, events } = await run(
      scripted(
        {
          apis: ok,
          network: () =>
            new PermanentError(
              'immutable-drift',
              'projects/p/global/networks/n: field autoCreateSubnetworks differs',
              {
                field: 'autoCreateSubnetworks',
                resource: 'projects/p/global/networks/n',
              },
            ),
          'fleet-mesh': ok,
          subnet: ok,
        },
        log,
      ),
    );
    expect(report.status).toBe('failed');
    expect(report.failure).toEqual({
      step: 'network',
      reason: 'immutable-drift',
      message: 'projects/p/global/networks/n: field autoCreateSubnetworks differs',
      resource: 'projects/p/global/networks/n',
      field: 'autoCreateSubnetworks',
    });
    expect(log).not.toContain('ensure subnet');
    expect(events.find((e) => e.type === 'failed')).toMatchObject({
      step: 'network',
      elapsedMs: expect.any(Number),
    });
  });

  it('reports steps without an implementation as skipped and treats them as finished', async () => {
    const { report, events } = await run(scripted({ apis: ok, network: ok, subnet: ok }));
    expect(report.status).toBe('succeeded');
    expect(report.skipped).toEqual(['fleet-mesh']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'skipped', step: 'fleet-mesh' }));
    expect(report.steps.subnet?.status).toBe('DONE');
  });

  it("keeps its records in the run store's vocabulary (DONE, FAILED, SKIPPED, CANCELLED)", async () => {
    const { report } = await run(
      scripted({
        apis: (_ctx, call) => (call === 1 ? new RetryableError('unavailable', 'try later') : ok()),
        network: () => new PermanentError('immutable-drift', 'differs'),
        subnet: ok,
      }),
    );
    expect(report.steps.apis).toMatchObject({ status: 'DONE', attempts: 2 });
    expect(report.steps.apis).not.toHaveProperty('error');
    expect(report.steps.network).toMatchObject({
      status: 'FAILED',
      error: { reason: 'immutable-drift' },
    });
    expect(report.steps['fleet-mesh']?.status).toBe('SKIPPED');
    expect(report.steps.subnet).toBeUndefined();
  });

  it('records PENDING with the retryable error between calls, FAILED when retries run out', async () => {
    const written: string[] = [];
    class LoggedRecords extends MemoryStepRecords {
      override async put(step: StepName, record: Parameters<MemoryStepRecords['put']>[1]) {
        written.push(`${step} ${record.status}${record.error ? ` ${record.error.reason}` : ''}`);
        await super.put(step, record);
      }
    }
    const time = virtualTime();
    const report = await runSteps({
      runId: 'run-records',
      mode: 'provision',
      environment: env,
      registry: scripted({ apis: () => new RetryableError('unavailable', 'down') }),
      records: new LoggedRecords(),
      clock: time.clock,
      sleep: time.sleep,
      graph: DIAMOND.slice(0, 1),
      backoff: { maxAttempts: 2 },
    });
    expect(written).toEqual([
      'apis RUNNING',
      'apis PENDING unavailable',
      'apis RUNNING unavailable',
      'apis PENDING unavailable',
      'apis FAILED retries-exhausted:unavailable',
    ]);
    expect(report.steps.apis).toMatchObject({ attempts: 2, error: { message: 'down' } });
  });

  it('cancels a step still retrying when another fails', async () => {
    const { report } = await run(
      scripted({
        apis: ok,
        network: (_ctx, call) => (call === 1 ? new RetryableError('unavailable', 'later') : ok()),
        'fleet-mesh': () => new PermanentError('denied', 'no'),
        subnet: ok,
      }),
    );
    expect(report.failure).toMatchObject({ step: 'fleet-mesh', reason: 'denied' });
    expect(report.steps.network?.status).toBe('CANCELLED');
  });

  it('walks the reverse graph on teardown, calling remove', async () => {
    const log: string[] = [];
    const { report } = await run(
      scripted({ apis: ok, network: ok, 'fleet-mesh': ok, subnet: ok }, log),
      'teardown',
    );
    expect(report.status).toBe('succeeded');
    expect(log[0]).toBe('remove subnet');
    expect(log.at(-1)).toBe('remove apis');
    expect(log.every((line) => line.startsWith('remove'))).toBe(true);
  });

  it('fails a step that stays pending beyond its timeout', async () => {
    const time = virtualTime();
    const report = await runSteps({
      runId: 'run-timeout',
      mode: 'provision',
      environment: env,
      registry: scripted({
        apis: () => ({ status: 'pending', retryAfterSeconds: 60, message: 'still creating' }),
      }),
      records: new MemoryStepRecords(),
      clock: time.clock,
      sleep: time.sleep,
      graph: DIAMOND.slice(0, 1),
      stepTimeoutSeconds: 300,
    });
    expect(report.failure).toMatchObject({
      step: 'apis',
      reason: 'timeout',
      message: expect.stringContaining('still creating'),
    });
  });
});
