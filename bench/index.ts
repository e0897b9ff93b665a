/**
 * `npm run bench [-- options]`: the provisioning benchmark. Exit 0 when every run succeeded, 1
 * when a run failed, 2 on bad options (with the option and the rule named, never a stack trace).
 */
import { Command, Option } from 'commander';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerListOption, numberOption } from './options.js';
import { DEFAULT_TENANTS_OPTIONS, runTenantsBenchmark } from './tenants.js';
import { DEFAULT_BENCHMARK_OPTIONS, runBenchmark, type BenchmarkOptions } from './benchmark.js';

const program = new Command('bench')
  .description(
    'Provision examples/tutorial on the GCP simulator (latency model, time-scaled) and print wall time against the serial sum and the critical path',
  )
  .option(
    '--time-scale <scale>',
    'real time per model time; 0.01 runs a 15-minute provisioning in ~10 s, 0 makes operations instant',
    numberOption('--time-scale', (v) => v >= 0 && v <= 1, 'a number from 0 to 1'),
    DEFAULT_BENCHMARK_OPTIONS.timeScale,
  )
  .option(
    '--runs <n>',
    'runs per scenario; the summary shows medians',
    numberOption(
      '--runs',
      (v) => Number.isInteger(v) && v >= 1 && v <= 50,
      'an integer from 1 to 50',
    ),
    DEFAULT_BENCHMARK_OPTIONS.runs,
  )
  .option(
    '--fault-rate <rate>',
    'share of write calls answered 503/429/502 in the faults scenario',
    numberOption('--fault-rate', (v) => v >= 0 && v <= 0.5, 'a number from 0 to 0.5'),
    DEFAULT_BENCHMARK_OPTIONS.faultRate,
  )
  .option(
    '--seed <n>',
    'fault seed of the first faulted run (run i uses seed + i)',
    numberOption('--seed', (v) => Number.isInteger(v), 'an integer'),
    DEFAULT_BENCHMARK_OPTIONS.seed,
  )
  .addOption(
    new Option(
      '--scenarios <which>',
      'which scenarios to run (tenants: what one more tenant costs in an environment of N, on the local stack)',
    )
      .choices(['all', 'fault-free', 'faults', 'tenants'])
      .default(DEFAULT_BENCHMARK_OPTIONS.scenarios),
  )
  .option(
    '--tenants <list>',
    'environment sizes of the tenants scenario, comma-separated',
    integerListOption('--tenants', 1, 5000),
    DEFAULT_TENANTS_OPTIONS.tenants,
  )
  .addOption(
    new Option('-o, --output <format>', 'output format of the tenants scenario')
      .choices(['text', 'json'])
      .default('text'),
  )
  .option('--no-warmup', 'skip the warm-up runs that measure the harness overhead');

type Options = Omit<BenchmarkOptions, 'scenarios'> & {
  scenarios: BenchmarkOptions['scenarios'] | 'tenants';
  tenants: number[];
  output: 'text' | 'json';
};
const options = parseOrExit<Options>(program);

if (options.scenarios === 'tenants') {
  await runAndExit('bench', options.output, (log) =>
    runTenantsBenchmark({ tenants: options.tenants, timeScale: options.timeScale }, log),
  );
}
// Exit 1 when a provisioning run failed.
await runAndExit(
  'bench',
  'text',
  (log) =>
    runBenchmark(
      { ...options, scenarios: options.scenarios as BenchmarkOptions['scenarios'] },
      log,
    ),
  (result) => (result.runs.some((run) => run.status !== 'succeeded') ? 1 : 0),
);
