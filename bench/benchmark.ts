/**
 * The provisioning benchmark (docs/architecture.md "Performance"): the tutorial environment on the
 * GCP simulator, fault-free and under seeded transient faults, reported against the latency model's
 * serial sum and critical path. It prints ratios; it asserts nothing about speed.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { FaultScript } from '../local/gcp/index.js';
import {
  LEFT_OUT_STEPS,
  measureProvisioning,
  tutorialEnvironment,
  type RunMeasurement,
  type Scenario,
} from './provision.js';
import { formatSteps, formatSummary, summarizeScenario, type ScenarioSummary } from './report.js';

/** Options of {@link runBenchmark}. */
export interface BenchmarkOptions {
  /** Real time per model time: 0.01 runs a 15-minute provisioning in about 10 s; 0 is instant. */
  timeScale: number;
  /** Runs per scenario; the summary shows medians. */
  runs: number;
  /** Share of write calls answered with a transient error in the faults scenario. */
  faultRate: number;
  /** Seed of the first faulted run; run i uses seed + i, so runs see different fault patterns. */
  seed: number;
  /** Which scenarios to run. */
  scenarios: 'all' | 'fault-free' | 'faults';
  /** Measure the harness's own overhead with a warm run at time scale 0 first. */
  warmup: boolean;
}

/** The defaults `npm run bench` uses. */
export const DEFAULT_BENCHMARK_OPTIONS: BenchmarkOptions = {
  timeScale: 0.01,
  runs: 1,
  faultRate: 0.2,
  seed: 11,
  scenarios: 'all',
  warmup: true,
};

/** What a benchmark produced, for callers that want the numbers and not only the text. */
export interface BenchmarkResult {
  summaries: ScenarioSummary[];
  runs: RunMeasurement[];
  /** Real seconds of the warm-up run at time scale 0: the floor of harness overhead. */
  overheadFloorSeconds?: number;
}

/** The fault script of the faulted scenario for one run. */
export function transientFaults(rate: number, seed: number): FaultScript {
  // Google's transient answers: the ones the steps and the runner must absorb by retrying.
  return { rate, codes: [503, 429, 502], seed };
}

/** Runs the chosen scenarios and writes the report line by line. */
export async function runBenchmark(
  options: BenchmarkOptions,
  write: (line: string) => void,
): Promise<BenchmarkResult> {
  const environment = tutorialEnvironment();
  const { timeScale, runs } = options;
  const leftOut = Object.entries(LEFT_OUT_STEPS)
    .map(([step, why]) => `${step} (${why})`)
    .join('; ');
  write(
    `Provisioning benchmark: environment "${environment.metadata.name}" (examples/tutorial), its Google Cloud steps on the GCP simulator through the in-process runner`,
  );
  write(`Left out: ${leftOut}`);
  write(
    `Time scale ${timeScale} (${timeScale > 0 ? `1 model second = ${(timeScale * 1000).toFixed(1)} ms real` : 'every operation instant: wall times and ratios are n/a'}); ${runs} run(s) per scenario, medians shown; node ${process.version}, ${availableParallelism()} CPU(s)`,
  );

  let overheadFloorSeconds: number | undefined;
  if (options.warmup) {
    // Also loads and JITs the client libraries, which would otherwise land in the first run's
    // wall time, multiplied by 1/timeScale.
    const started = performance.now();
    await measureProvisioning({ scenario: { name: 'warm-up' }, timeScale: 0, environment });
    const cold = (performance.now() - started) / 1000;
    const warm = await measureProvisioning({
      scenario: { name: 'overhead' },
      timeScale: 0,
      environment,
    });
    overheadFloorSeconds = warm.wallRealMs / 1000;
    const inModel =
      timeScale > 0
        ? ` = ${(overheadFloorSeconds / timeScale).toFixed(1)} model s at this scale`
        : '';
    write(
      `Overhead floor (a warm run at time scale 0, every operation instant): ${overheadFloorSeconds.toFixed(2)} s real${inModel}; cold first run ${cold.toFixed(2)} s`,
    );
  }

  const scenarios: { scenario: (run: number) => Scenario }[] = [];
  if (options.scenarios !== 'faults') scenarios.push({ scenario: () => ({ name: 'fault-free' }) });
  if (options.scenarios !== 'fault-free') {
    const label = `${Math.round(options.faultRate * 100)}% faults`;
    scenarios.push({
      scenario: (run) => ({
        name: label,
        faults: transientFaults(options.faultRate, options.seed + run),
      }),
    });
  }

  const all: RunMeasurement[] = [];
  const summaries: ScenarioSummary[] = [];
  const details: string[] = [];
  for (const { scenario } of scenarios) {
    const measured: RunMeasurement[] = [];
    for (let run = 0; run < runs; run += 1) {
      measured.push(await measureProvisioning({ scenario: scenario(run), timeScale, environment }));
    }
    all.push(...measured);
    summaries.push(summarizeScenario(measured));
    const representative = medianRun(measured);
    const index = measured.indexOf(representative);
    details.push('');
    details.push(
      `${representative.scenario}: steps of run ${index + 1} of ${measured.length}${measured.length > 1 ? ' (the median wall time)' : ''}; seconds are model seconds from the run's start`,
    );
    if (representative.failure) {
      details.push(
        `FAILED at ${representative.failure.step}: ${representative.failure.reason}: ${representative.failure.message}`,
      );
    }
    details.push(formatSteps(representative));
    details.push(
      `critical path: ${representative.model.critical.steps.join(' -> ')} (${representative.model.critical.seconds.toFixed(0)} model s)`,
    );
    if (representative.model.unclassified.length > 0) {
      const names = representative.model.unclassified.map(
        (op) => `${op.api} ${op.operationType} ${op.targetPath}`,
      );
      details.push(`operations the latency model does not know (not counted): ${names.join(', ')}`);
    }
  }

  write('');
  for (const line of formatSummary(summaries).split('\n')) write(line);
  for (const block of details) for (const line of block.split('\n')) write(line);
  write('');
  write(
    'wall: the runner, first call to last answer, real time / time scale. serial sum: every operation and wait of the latency model one after the other (the tutorial by hand). critical path: the longest dependent chain of steps with the model durations (the physical limit). polls: operations.get/wait calls; pendings: the runner re-calling a step that answered pending.',
  );
  return {
    summaries,
    runs: all,
    ...(overheadFloorSeconds !== undefined ? { overheadFloorSeconds } : {}),
  };
}

/** The run whose wall time is the median (the lower middle for an even count). */
function medianRun(runs: readonly RunMeasurement[]): RunMeasurement {
  const sorted = [...runs].sort((a, b) => a.wallRealMs - b.wallRealMs);
  return sorted[Math.floor((sorted.length - 1) / 2)] as RunMeasurement;
}
