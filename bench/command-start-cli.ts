/**
 * `npm run bench:command-start [-- --runs N] [--dist DIR] [-o json]`: egressctl's command start
 * (bench/command-start.ts), compiled against tsx against bare node. Needs `npm run build` first.
 * Exit 0 when it ran, 1 when it could not, 2 on a bad option (with the option and the rule named).
 */
import { Command, Option } from 'commander';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerOption } from './options.js';
import { DEFAULT_COMMAND_START_OPTIONS, runCommandStart } from './command-start.js';

const program = new Command('bench:command-start')
  .description(
    'Time `egressctl --help` and `validate -f examples/tutorial` from process start to exit: compiled (dist/) vs tsx vs bare node',
  )
  .option(
    '--runs <n>',
    'fresh processes per command and way of running it (medians shown)',
    integerOption('--runs', 1, 50),
    DEFAULT_COMMAND_START_OPTIONS.runs,
  )
  .option('--dist <dir>', 'the compiled tree', DEFAULT_COMMAND_START_OPTIONS.dist)
  .addOption(
    new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'),
  );

const options = parseOrExit<{ runs: number; dist: string; output: 'text' | 'json' }>(program);
await runAndExit('bench', options.output, (log) => runCommandStart(options, log));
