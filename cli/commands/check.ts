import type { Command } from 'commander';
import { ReachabilityAnalyzer, type ReachabilityResult } from '#shared/analysis/index.js';
import {
  addLiveOptions,
  loadCommandInput,
  type AnalysisCommandSource,
} from '../analysis/command-input.js';
import { CliError, ExitCode } from '../errors.js';
import { formatResult } from '../format/reachability.js';
import { outputFormatOption } from '../options.js';

interface CheckOptions extends AnalysisCommandSource {
  from: string;
  method?: string;
  output: 'text' | 'json';
}

/** Runs `check` and returns its output. */
export async function runCheck(url: string, options: CheckOptions): Promise<string> {
  const input = await loadCommandInput(options);
  const analyzer = new ReachabilityAnalyzer(input.objects, input.firewalls, input.options);
  let result: ReachabilityResult;
  try {
    result = analyzer.can({ sourceNamespace: options.from, url, method: options.method });
  } catch (err) {
    throw new CliError(
      `invalid request: ${err instanceof Error ? err.message : String(err)}`,
      ExitCode.invalid,
    );
  }
  if (options.output === 'json')
    return `${JSON.stringify({ ...result, notes: input.notes }, null, 2)}\n`;
  return formatResult(result) + input.notes.map((n) => `  note: ${n}\n`).join('');
}

/**
 * `egressctl check -f PATH... | --env NAME  --from NAMESPACE URL [--method M] [-o text|json]`.
 */
export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description(
      'Decide whether a request from a namespace gets out, and show every hop that decided',
    )
    .argument(
      '<url>',
      'http://HOST[:PORT]/PATH or https://...; an IPv4 host means the pod bypasses its sidecar',
    )
    .option(
      '-f, --file <paths...>',
      'rendered Kubernetes/Istio YAML, or Environment/Tenant specs (with --env: where its spec is)',
    )
    .requiredOption('--from <namespace>', 'the source namespace')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--firewalls <file>', 'YAML list of compute Firewall bodies')
    .option('-e, --environment <name>', 'the Environment to compile when the files hold several')
    .addOption(outputFormatOption(['text', 'json'], 'text'));
  addLiveOptions(command).action(async (url: string, options: CheckOptions) => {
    process.stdout.write(await runCheck(url, options));
  });
}
