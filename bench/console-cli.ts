/**
 * `npm run bench:console [-- --tenants 100,1000,3000 --requests 24 --runs 3]`: the console
 * benchmark (bench/console.ts) in Debian's Chromium. Exit 0 when it ran, 1 when it could not
 * (no Chromium: `apt-get install chromium`), 2 on a bad option.
 */
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONSOLE_OPTIONS, runConsoleBenchmark } from './console.js';
import { integerOption } from './options.js';

function tenantCounts(raw: string): number[] {
  const counts = raw.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000)) {
    throw new InvalidArgumentError(
      `--tenants must be a comma-separated list of integers from 1 to 20000, got "${raw}"`,
    );
  }
  return counts;
}

const program = new Command('bench:console')
  .description(
    'Time the console environment page with N synthetic tenants in headless Chromium (target: 1,000 tenants under 2 s)',
  )
  .option('--tenants <list>', 'tenant counts', tenantCounts, DEFAULT_CONSOLE_OPTIONS.tenants)
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
  .option('--chromium <path>', 'the Chromium binary', DEFAULT_CONSOLE_OPTIONS.chromium)
  .exitOverride();

let options: typeof DEFAULT_CONSOLE_OPTIONS;
try {
  program.parse();
  options = program.opts<typeof DEFAULT_CONSOLE_OPTIONS>();
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode ?? 2;
  process.exit(code === 0 ? 0 : 2);
}

if (!existsSync(options.chromium)) {
  process.stderr.write(`no Chromium at ${options.chromium}: apt-get install chromium (as root)\n`);
  process.exit(1);
}
try {
  await runConsoleBenchmark(options, (line) => process.stdout.write(`${line}\n`));
} catch (error) {
  process.stderr.write(`bench:console failed: ${(error as Error).message}\n`);
  process.exit(1);
}
