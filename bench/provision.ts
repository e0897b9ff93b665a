/**
 * One provisioning run for the benchmark: a fresh GCP simulator with its latency model at a time
 * scale, the tutorial environment's Google Cloud steps through the in-process runner (the same
 * orchestration contract as the Workflows YAML), and everything the report needs measured.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { createGcpAdapters } from '../cli/compose.js';
import { startGcpSimulator, type FaultScript } from '../local/gcp/index.js';
import { parseEnvironment, type Environment } from '#shared/spec/index.js';
import { environmentSteps } from '#shared/steps/index.js';
import {
  MemoryStepRecords,
  runSteps,
  type ProgressEvent,
  type RunReport,
} from '#shared/steps/runner.js';
import type { StepName } from '#shared/core/step-contract.js';
import {
  countOperationPolls,
  dnsChangeOperations,
  modelSecondsFromReal,
  provisioningModel,
  stepTimings,
  type ProvisioningModel,
  type StepTiming,
} from './model.js';

/** The environment the benchmark provisions: the tutorial's, from the project's own example. */
export function tutorialEnvironment(): Environment {
  const url = new URL('../examples/tutorial/environment.yaml', import.meta.url);
  return parseEnvironment(parse(readFileSync(url, 'utf8')));
}

/** The steps the benchmark leaves out, and why (printed with the report). */
export const LEFT_OUT_STEPS: Readonly<Partial<Record<StepName, string>>> = {
  'mesh-config': 'Kubernetes step: needs the kube simulator, and the latency model has no figure',
  tenants: 'Kubernetes step: needs the kube simulator, and the latency model has no figure',
};

/** One scenario of the benchmark. */
export interface Scenario {
  name: string;
  /** Injected from the start of the run; none for the fault-free scenario. */
  faults?: FaultScript;
}

/** What one run measured. */
export interface RunMeasurement {
  scenario: string;
  timeScale: number;
  status: RunReport['status'];
  failure?: RunReport['failure'];
  /** Real milliseconds of `runSteps`, first call to last answer. */
  wallRealMs: number;
  /** `wallRealMs` turned back into model seconds; undefined at time scale 0. */
  wallModelSeconds?: number;
  model: ProvisioningModel;
  /** Per step, in model seconds (real milliseconds at time scale 0). */
  timings: Map<StepName, StepTiming>;
  calls: { reads: number; writes: number; operationPolls: number };
  /** The runner's re-calls after `pending` and retries after errors, over all steps. */
  pendings: number;
  retries: number;
  /** The process's peak resident set size so far, in bytes (it includes the simulator). */
  peakRssBytes: number;
}

/**
 * The runner's time at a scale: its clock reads model time (so step timeouts and the progress
 * events' elapsed times are model seconds) and its sleeps last `ms × timeScale` real time, so the
 * service's polling cadence and backoff are scaled exactly like the simulator's operations.
 */
export function scaledTime(timeScale: number): {
  now(): number;
  sleep(ms: number): Promise<void>;
} {
  const origin = Date.now();
  const realStart = performance.now();
  return {
    now: () =>
      timeScale > 0
        ? origin + (performance.now() - realStart) / timeScale
        : origin + (performance.now() - realStart),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms * timeScale))),
  };
}

/** Provisions the environment once on a fresh simulator and measures the run. */
export async function measureProvisioning(options: {
  scenario: Scenario;
  timeScale: number;
  environment?: Environment;
}): Promise<RunMeasurement> {
  const { scenario, timeScale } = options;
  const environment = options.environment ?? tutorialEnvironment();
  const sim = await startGcpSimulator({
    port: 0,
    timeScale,
    ...(scenario.faults ? { faults: scenario.faults } : {}),
  });
  try {
    const time = scaledTime(timeScale);
    const registry = environmentSteps({
      gcp: createGcpAdapters({ mode: 'local', endpoint: sim.url }),
      sleep: time.sleep,
    });
    const events: ProgressEvent[] = [];
    const runStart = time.now();
    const realStart = performance.now();
    const report = await runSteps({
      runId: `bench-${scenario.name}-${Date.now().toString(16)}`,
      mode: 'provision',
      environment,
      registry,
      records: new MemoryStepRecords(),
      clock: { now: time.now },
      sleep: time.sleep,
      onEvent: (event) => events.push(event),
    });
    const wallRealMs = performance.now() - realStart;
    const counters = sim.counters.snapshot();
    const operationPolls = countOperationPolls(counters.byMethod);
    const timings = stepTimings(events, runStart);
    const wallModelSeconds = modelSecondsFromReal(wallRealMs, timeScale);
    return {
      scenario: scenario.name,
      timeScale,
      status: report.status,
      ...(report.failure ? { failure: report.failure } : {}),
      wallRealMs,
      ...(wallModelSeconds !== undefined ? { wallModelSeconds } : {}),
      model: provisioningModel([
        ...Object.values(sim.state().operations),
        ...dnsChangeOperations(sim.state().resources),
      ]),
      timings,
      calls: { reads: counters.reads, writes: counters.writes, operationPolls },
      pendings: events.filter((event) => event.type === 'pending').length,
      retries: events.filter((event) => event.type === 'retrying').length,
      // maxRSS is in kilobytes on Linux and macOS.
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await sim.close();
  }
}
