import { Option, type Command } from 'commander';
import {
  type AnalyzerOptions,
  type FirewallRule,
  flattenObjects,
  formatHop,
  ReachabilityAnalyzer,
  type ReachabilityResult,
} from '../../shared/analysis/index.js';
import { PermanentError } from '../../shared/errors.js';
import { desiredFirewalls } from '../../shared/plan/gcp/compute.js';
import { applicationNodesEmail, gatewayNodesEmail } from '../../shared/plan/gcp/names.js';
import type { KubeObject } from '../../shared/plan/kube-object.js';
import { desiredObjects } from '../../shared/plan/mesh/index.js';
import { formatSpecError, SPEC_API_VERSION, validateDocuments } from '../../shared/spec/index.js';
import { CliError, ExitCode, invalidInput } from '../errors.js';
import { chooseEnvironment, loadFirewallFile, loadSpecFiles } from '../load-specs.js';
import { DEFAULT_STATE_DIR } from '../../local/stack/state-files.js';
import {
  addLiveOptions,
  loadLiveAnalysisInput,
  type LiveAnalysisInput,
  type LiveSourceOptions,
} from './live-analysis.js';

/** What `check` and `matrix` analyze: objects, firewall rules and the environment's facts. */
export interface AnalysisInput {
  objects: KubeObject[];
  firewalls: FirewallRule[];
  options: AnalyzerOptions;
  /** Where the objects and firewalls came from, for the reader of the output. */
  notes: string[];
}

/** Options both analysis commands share. */
export interface AnalysisSourceOptions {
  file: string[];
  firewalls?: string;
  environment?: string;
}

/**
 * Reads `-f` paths: rendered Kubernetes/Istio YAML is analyzed as it is; Environment/Tenant specs
 * are compiled with the mesh compiler (and give the firewall rules and node service accounts
 * too, unless `--firewalls` names a file).
 */
export async function loadAnalysisInput(source: AnalysisSourceOptions): Promise<AnalysisInput> {
  const loaded = await loadSpecFiles(source.file);
  if (loaded.errors.length) throw invalidInput(loaded.errors.map(formatSpecError));
  const specDocs = loaded.documents.filter(
    (d) => (d.doc as { apiVersion?: unknown })?.apiVersion === SPEC_API_VERSION,
  );
  const kubeDocs = loaded.documents.filter((d) => !specDocs.includes(d));
  const objects = flattenObjects(kubeDocs.map((d) => d.doc));
  const notes: string[] = [];
  const options: AnalyzerOptions = {};
  let firewalls: FirewallRule[] | undefined;
  if (specDocs.length) {
    const result = validateDocuments(specDocs);
    if (!result.ok) throw invalidInput(result.errors.map(formatSpecError));
    const { environments, tenants } = result.specs;
    const env = chooseEnvironment(environments, source.environment);
    try {
      objects.push(
        ...desiredObjects(
          env,
          tenants.filter((t) => t.spec.environment === env.metadata.name),
        ),
      );
    } catch (err) {
      if (err instanceof PermanentError) throw new CliError(`cannot compile: ${err.message}`);
      throw err;
    }
    firewalls = desiredFirewalls(env);
    options.gatewayNodeServiceAccount = gatewayNodesEmail(env);
    options.applicationNodeServiceAccount = applicationNodesEmail(env);
    notes.push(`objects compiled from Environment ${env.metadata.name} and its tenants`);
  }
  if (source.firewalls !== undefined) {
    firewalls = await loadFirewallFile(source.firewalls);
    notes.push(`firewall rules from ${source.firewalls}`);
  } else if (firewalls) {
    notes.push('firewall rules derived from the Environment spec');
  } else {
    notes.push('no firewall rules given (--firewalls): the VPC is assumed to allow all egress');
  }
  if (!objects.length)
    throw new CliError('no Kubernetes objects or specs in the given files', ExitCode.invalid);
  return { objects, firewalls: firewalls ?? [], options, notes };
}

/** Formats one result as text: verdict line, then the trace. */
export function formatResult(result: ReachabilityResult): string {
  const r = result.request;
  const head = `${r.sourceNamespace} → ${r.scheme}://${r.host}:${r.port}${r.path} (${r.method}): ${result.verdict}${result.via ? ` via ${result.via}` : ''}`;
  return [head, ...result.trace.map((h) => `  ${formatHop(h)}`)].join('\n') + '\n';
}

/** The source options of `check` and `matrix`: files, or a live environment (`--env`). */
export type AnalysisCommandSource = Omit<AnalysisSourceOptions, 'file'> &
  Partial<Omit<LiveSourceOptions, 'env' | 'firewalls'>> & {
    file?: string[];
    env?: string;
  };

/**
 * The analysis input for `check`/`matrix`: the live environment with `--env` (its spec from `-f`
 * files when given), else the `-f` files. Neither is a usage error.
 */
export async function loadCommandInput(
  options: AnalysisCommandSource,
): Promise<AnalysisInput & Partial<Pick<LiveAnalysisInput, 'environment' | 'tenants'>>> {
  if (options.env !== undefined) {
    return loadLiveAnalysisInput({
      ...options,
      env: options.env,
      stateDir: options.stateDir ?? DEFAULT_STATE_DIR,
    });
  }
  if (!options.file?.length) {
    throw new CliError(
      'give the objects to analyze: -f PATH... (specs or rendered YAML), or --env NAME (a live environment)',
      ExitCode.usage,
    );
  }
  return loadAnalysisInput({ ...options, file: options.file });
}

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
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    );
  addLiveOptions(command).action(async (url: string, options: CheckOptions) => {
    process.stdout.write(await runCheck(url, options));
  });
}
