import { describe, expect, it } from 'vitest';
import { failingStep, formatRun, runOutcome } from '../../../cli/format/run.js';
import type { RunView } from '../../../cli/progress.js';

const run = (overrides: Partial<RunView['run']> = {}): RunView['run'] =>
  ({
    id: 'run-1',
    kind: 'provision',
    environment: 'tutorial',
    status: 'SUCCEEDED',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  }) as RunView['run'];

const step = (name: string, fields: object): RunView['steps'][number] =>
  ({
    step: name,
    attempts: 1,
    startedAt: '',
    updatedAt: '',
    ...fields,
  }) as RunView['steps'][number];

describe('a run in words', () => {
  it('a success is one line', () => {
    expect(runOutcome({ run: run(), steps: [] })).toBe('run run-1 SUCCEEDED\n');
  });

  it('a failure names the failed step, its reason, resource and message', () => {
    const view: RunView = {
      run: run({
        status: 'FAILED',
        error: { reason: 'run-failed', message: 'run failed' } as never,
      }),
      steps: [
        step('network', { status: 'DONE' }),
        step('nat', {
          status: 'FAILED',
          error: { reason: 'quota', message: 'no more routers', field: 'routers/nat-router' },
        }),
      ],
    };
    expect(failingStep(view)).toBe('nat');
    expect(runOutcome(view)).toBe(
      'run run-1 FAILED\n' +
        '  step:     nat\n' +
        '  reason:   quota\n' +
        '  resource: routers/nat-router\n' +
        '  message:  no more routers\n',
    );
  });

  it("without a failed step record, the step comes from the run's error", () => {
    const view: RunView = {
      run: run({ status: 'FAILED', error: { reason: 'x', message: 'step dns: boom' } as never }),
      steps: [],
    };
    expect(failingStep(view)).toBe('dns');
    expect(runOutcome(view)).toContain('  step:     dns\n');
  });

  it('egressctl runs: header, steps, and the matrix the tenants step recorded', () => {
    const text = formatRun({
      run: run(),
      steps: [
        step('tenants', {
          status: 'DONE',
          outputs: { reachability: ['team-y GET http://httpbin.org/ ALLOWED'] },
        }),
      ],
    });
    expect(text).toMatch(/^run run-1 {2}provision {2}environment tutorial {2}SUCCEEDED\n/);
    expect(text).toContain('reachability (recorded by the tenants step from the live cluster):\n');
  });
});
