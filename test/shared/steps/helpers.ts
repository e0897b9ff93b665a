import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { createGcpAdapters } from '../../../cli/compose.js';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import type { FaultScript } from '../../../local/gcp/index.js';
import { parseEnvironment, type Environment } from '../../../shared/spec/index.js';
import type { StepContext, StepName, StepResult } from '../../../shared/core/step-contract.js';
import {
  environmentSteps,
  type GcpStepName,
  type StepImplementation,
} from '../../../shared/steps/index.js';
import {
  MemoryStepRecords,
  runSteps,
  type ProgressEvent,
  type RunReport,
} from '../../../shared/steps/runner.js';

/** The tutorial's environment, from the project's own example. */
export function tutorialEnvironment(): Environment {
  const text = readFileSync(
    new URL('../../../examples/tutorial/environment.yaml', import.meta.url),
    'utf8',
  );
  return parseEnvironment(parse(text));
}

/** A running simulator with the official clients (through the CLI's composition root) aimed at it. */
export async function startStack(faults?: FaultScript): Promise<{
  sim: GcpSimulator;
  steps: () => Record<GcpStepName, StepImplementation>;
}> {
  const sim = await startGcpSimulator({ port: 0, timeScale: 0, ...(faults ? { faults } : {}) });
  // A fresh adapter set per call stands for a fresh process.
  const steps = () =>
    environmentSteps({
      gcp: createGcpAdapters({ mode: 'local', endpoint: sim.url }),
      serviceAccountReads: 2,
      sleep: async () => {},
    });
  return { sim, steps };
}

/** A virtual clock whose sleep advances it instantly. */
export function virtualTime(): {
  clock: { now(): number };
  sleep: (ms: number) => Promise<void>;
  slept: () => number;
} {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let total = 0;
  return {
    clock: { now: () => now },
    sleep: async (ms) => {
      now += ms;
      total += ms;
    },
    slept: () => total,
  };
}

/** Runs the whole graph through the runner with virtual time. */
export async function runAll(
  steps: Partial<Record<StepName, StepImplementation>>,
  environment: Environment,
  mode: 'provision' | 'teardown' = 'provision',
  runId = `run-${mode}`,
): Promise<{ report: RunReport; events: ProgressEvent[] }> {
  const time = virtualTime();
  const events: ProgressEvent[] = [];
  const report = await runSteps({
    runId,
    mode,
    environment,
    registry: steps,
    records: new MemoryStepRecords(),
    clock: time.clock,
    sleep: time.sleep,
    onEvent: (event) => events.push(event),
  });
  return { report, events };
}

/** Calls one step until it is done (pending loops carry the operation), retrying RetryableErrors. */
export async function driveStep(
  steps: () => Record<GcpStepName, StepImplementation>,
  step: GcpStepName,
  environment: Environment,
  options: {
    runId?: string;
    mode?: 'ensure' | 'remove';
    operation?: StepContext['operation'];
    maxCalls?: number;
    /** Build new clients and adapters for every call, as a restarted process would. */
    freshPerCall?: boolean;
  } = {},
): Promise<{ result: StepResult; calls: number }> {
  let operation = options.operation;
  const shared = steps();
  for (let calls = 1; calls <= (options.maxCalls ?? 30); calls += 1) {
    const implementation = (options.freshPerCall ? steps() : shared)[step];
    const ctx: StepContext = {
      runId: options.runId ?? 'run-test',
      step,
      environment,
      tenants: [],
      upstream: {},
      attempt: calls,
      ...(operation ? { operation } : {}),
    };
    let result: StepResult;
    try {
      result = await (options.mode === 'remove'
        ? implementation.remove(ctx)
        : implementation.ensure(ctx));
    } catch (error) {
      if ((error as Error).name === 'RetryableError') continue;
      throw error;
    }
    if (result.status === 'done') return { result, calls };
    operation = result.operation;
  }
  throw new Error(`${step} did not finish in ${options.maxCalls ?? 30} calls`);
}
