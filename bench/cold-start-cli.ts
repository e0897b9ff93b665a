/**
 * `npm run bench:cold-start [-- --runs N] [-o json]`: the functions' cold start
 * (bench/cold-start.ts) from the compiled dist/ (`npm run build` first). Exit 0 when it ran, 1
 * when it could not, 2 on a bad option (with the option and the rule named).
 */
import { Command, Option } from 'commander';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerOption } from './options.js';
import { DEFAULT_COLD_START_OPTIONS, runColdStart } from './cold-start.js';

const program = new Command('bench:cold-start')
  .description(
    "Time the functions' module load and first step call in fresh node processes, against the 300 ms and 1.5 s targets",
  )
  .option(
    '--runs <n>',
    'fresh processes per figure (medians shown)',
    integerOption('--runs', 1, 50),
    DEFAULT_COLD_START_OPTIONS.runs,
  )
  .option('--dist <dir>', 'the compiled tree', DEFAULT_COLD_START_OPTIONS.dist)
  .addOption(
    new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'),
  );

const options = parseOrExit<{ runs: number; dist: string; output: 'text' | 'json' }>(program);
await runAndExit('bench', options.output, (log) => runColdStart(options, log));
