/**
 * `npm run bench:console [-- --tenants 100,1000,3000 --requests 24 --runs 3]`: the console
 * benchmark (bench/console.ts) in Debian's Chromium. Exit 0 when it ran, 1 when it could not
 * (no Chromium: `apt-get install chromium`), 2 on a bad option.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_CONSOLE_OPTIONS, runConsoleBenchmark } from './console.js';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerListOption, integerOption } from './options.js';

const program = new Command('bench:console')
  .description(
    'Time the console environment page with N synthetic tenants in headless Chromium (target: 1,000 tenants under 2 s)',
  )
  .option(
    '--tenants <list>',
    'tenant counts',
    integerListOption('--tenants', 1, 20_000),
    DEFAULT_CONSOLE_OPTIONS.tenants,
  )
  .option(
    '--requests <n>',
    'requests (heatmap columns) per tenant',
    integerOption('--requests', 2, 400),
    DEFAULT_CONSOLE_OPTIONS.requests,
  )
  .option(
    '--runs <n>',
    'timed runs per count',
    integerOption('--runs', 1, 20),
    DEFAULT_CONSOLE_OPTIONS.runs,
  )
  .option('--chromium <path>', 'the Chromium binary', DEFAULT_CONSOLE_OPTIONS.chromium);

const options = parseOrExit<typeof DEFAULT_CONSOLE_OPTIONS>(program);

if (!existsSync(options.chromium)) {
  process.stderr.write(`no Chromium at ${options.chromium}: apt-get install chromium (as root)\n`);
  process.exit(1);
}
await runAndExit('bench:console failed', 'text', (log) => runConsoleBenchmark(options, log));
