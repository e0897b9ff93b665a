/**
 * `npm run bench:validation [-- --runs N]`: the validation benchmark (bench/validation.ts).
 * Exit 0 when it ran, 2 on a bad option (with the option and the rule named).
 */
import { Command } from 'commander';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerOption } from './options.js';
import { DEFAULT_VALIDATION_OPTIONS, runValidationBenchmark } from './validation.js';

const program = new Command('bench:validation')
  .description(
    'Time parseTenant + specSetProblems for 1k-8k egress rules over 1-1,000 tenants of examples/tutorial, against the 100 ms target',
  )
  .option(
    '--runs <n>',
    'timed runs per case',
    integerOption('--runs', 1, 100),
    DEFAULT_VALIDATION_OPTIONS.runs,
  )
  .option(
    '--warmup <n>',
    'untimed runs per case first',
    integerOption('--warmup', 0, 100),
    DEFAULT_VALIDATION_OPTIONS.warmup,
  );

const { runs, warmup } = parseOrExit<{ runs: number; warmup: number }>(program);
await runAndExit('bench:validation', 'text', (log) =>
  runValidationBenchmark({ ...DEFAULT_VALIDATION_OPTIONS, runs, warmup }, log),
);
