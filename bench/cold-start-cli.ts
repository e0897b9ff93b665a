/**
 * `npm run bench:cold-start [-- --runs N] [-o json]`: the functions' cold start
 * (bench/cold-start.ts) from the compiled dist/ (`npm run build` first). Exit 0 when it ran, 1
 * when it could not, 2 on a bad option (with the option and the rule named).
 */
import { Command, Option } from 'commander';
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
  )
  .exitOverride();

let options: { runs: number; dist: string; output: 'text' | 'json' };
try {
  program.parse();
  options = program.opts();
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode ?? 2;
  process.exit(code === 0 ? 0 : 2);
}

try {
  const json = options.output === 'json';
  const result = await runColdStart(options, (line) => {
    if (!json) process.stdout.write(`${line}\n`);
  });
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
