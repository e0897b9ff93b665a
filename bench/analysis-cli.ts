/**
 * `npm run bench:analysis [-- --tenants 100,300,1000,3000 --runs N --hosts N]`: the analysis
 * benchmark (bench/analysis.ts). Exit 0 when it ran, 2 on a bad option (with the option and the
 * rule named).
 */
import { Command, Option } from 'commander';
import { parseOrExit, runAndExit } from './cli-main.js';
import { integerListOption, integerOption } from './options.js';
import { DEFAULT_ANALYSIS_OPTIONS, runAnalysisBenchmark } from './analysis.js';

const defaults = DEFAULT_ANALYSIS_OPTIONS;
const program = new Command('bench:analysis')
  .description(
    'Time findings() and the per-apply reachability check (verifyReachability and its parts) on generated environments of growing tenant counts, with the growth exponent of each',
  )
  .option(
    '--tenants <list>',
    'tenant counts, comma-separated',
    integerListOption('--tenants', 1, 20_000),
    [...defaults.tenants],
  )
  .option(
    '--runs <n>',
    'timed runs per size (the least time shown)',
    integerOption('--runs', 1, 50),
    defaults.runs,
  )
  .option(
    '--hosts <n>',
    'the shared pool of hosts the tenants are granted',
    integerOption('--hosts', 1, 5_000),
    defaults.shape.hosts,
  )
  .option(
    '--hosts-per-tenant <n>',
    'hosts each tenant is granted',
    integerOption('--hosts-per-tenant', 1, 50),
    defaults.shape.hostsPerTenant,
  )
  .addOption(
    new Option('--passthrough-mode <mode>', "the environment's mesh.passthroughMode")
      .choices(['plain', 'istio-mutual'])
      .default(defaults.shape.passthroughMode),
  );

interface Parsed {
  tenants: number[];
  runs: number;
  hosts: number;
  hostsPerTenant: number;
  passthroughMode: 'plain' | 'istio-mutual';
}

const parsed = parseOrExit<Parsed>(program);

await runAndExit('bench:analysis', 'text', (log) =>
  runAnalysisBenchmark(
    {
      tenants: parsed.tenants,
      runs: parsed.runs,
      shape: {
        hosts: parsed.hosts,
        hostsPerTenant: parsed.hostsPerTenant,
        passthroughMode: parsed.passthroughMode,
      },
    },
    log,
  ),
);
