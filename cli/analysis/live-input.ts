import { readFile } from 'node:fs/promises';
import { ANALYZED_KINDS, analyzerOptionsFor, type FirewallRule } from '#shared/analysis/index.js';
import type { KubeObject } from '#shared/plan/kube-object.js';
import type { Environment, Tenant } from '#shared/spec/index.js';
import type { EnvironmentRecord, TenantRecord } from '#shared/state/types.js';
import { runningStack, stackPaths } from '../../local/stack/state-files.js';
import { apiCall, findApiUrl } from '../api-client.js';
import { CliError, ExitCode } from '../errors.js';
import { chooseEnvironment, loadFirewallFile, loadValidSpecs } from '../load-specs.js';
import type { AnalysisInput } from './files-input.js';

/** Options of `check --env` and `matrix --env`: where the live environment is read from. */
export interface LiveSourceOptions {
  /** The environment's name. */
  env: string;
  /** Spec files holding the Environment (and its Tenants); without them, the API is asked. */
  file?: string[];
  /** A kubeconfig; default the local stack's (`<state-dir>/kubeconfig`), then KUBECONFIG. */
  kubeconfig?: string;
  /** Its context; default gcloud's name of the environment's cluster, then the current one. */
  context?: string;
  /** The GCP API to list firewall rules from; default the local stack's GCP simulator. */
  gcpEndpoint?: string;
  /** Firewall rules from a file instead of the GCP API. */
  firewalls?: string;
  /** List firewall rules from Google Cloud (default credentials) instead of a local simulator. */
  google?: boolean;
  stateDir: string;
  apiUrl?: string;
}

/** What a live analysis read: the input of the analyzer, plus the specs it compares against. */
export interface LiveAnalysisInput extends AnalysisInput {
  environment: Environment;
  /** The environment's tenants, when the files or the API hold them. */
  tenants: Tenant[];
}

/** gcloud's kubeconfig context name of the environment's cluster (`gke_PROJECT_ZONE_CLUSTER`). */
export function gcloudContextName(env: Environment): string {
  return `gke_${env.spec.project}_${env.spec.zone}_${env.spec.cluster.name}`;
}

async function specsFromFiles(
  files: string[],
  name: string,
): Promise<{ environment: Environment; tenants: Tenant[] }> {
  const specs = await loadValidSpecs(files);
  let environment: Environment;
  try {
    environment = chooseEnvironment(specs.environments, name);
  } catch (error) {
    if (error instanceof CliError)
      throw new CliError(`--env ${name}: ${error.message}`, error.exitCode);
    throw error;
  }
  return {
    environment,
    tenants: specs.tenants.filter((t) => t.spec.environment === name),
  };
}

async function specsFromApi(
  options: LiveSourceOptions,
): Promise<{ environment: Environment; tenants: Tenant[]; apiUrl: string }> {
  const apiUrl = findApiUrl(options)?.apiUrl;
  if (!apiUrl) {
    throw new CliError(
      `--env ${options.env}: the environment's spec is needed (its project, network and cluster): ` +
        `give its spec files with -f, or start the local stack (no stack runs with state dir ${stackPaths(options.stateDir).stateDir}), or set --api-url`,
      ExitCode.usage,
    );
  }
  const id = encodeURIComponent(options.env);
  const env = await apiCall<EnvironmentRecord & { message?: string }>(
    apiUrl,
    'GET',
    `/v1/environments/${id}`,
  );
  if (env.status === 404) {
    throw new CliError(
      `--env ${options.env}: no environment named "${options.env}" is known to the API at ${apiUrl}`,
      ExitCode.invalid,
    );
  }
  if (env.status !== 200) {
    throw new CliError(
      `--env ${options.env}: the API at ${apiUrl} answered HTTP ${env.status}: ${env.body.message ?? ''}`,
    );
  }
  const tenants = await apiCall<{ tenants?: TenantRecord[] }>(
    apiUrl,
    'GET',
    `/v1/environments/${id}/tenants`,
  );
  return {
    environment: env.body.spec,
    tenants: tenants.status === 200 ? (tenants.body.tenants ?? []).map((t) => t.spec) : [],
    apiUrl,
  };
}

/** Reads every object the analyzer needs from the cluster a kubeconfig context points at. */
async function readCluster(
  options: LiveSourceOptions,
  env: Environment,
): Promise<{ objects: KubeObject[]; where: string }> {
  const stack = runningStack(options.stateDir);
  const path =
    options.kubeconfig ??
    (stack ? stackPaths(options.stateDir).kubeconfig : undefined) ??
    (process.env.KUBECONFIG || undefined);
  if (!path) {
    throw new CliError(
      `--env ${options.env}: no cluster to read: no local stack runs with state dir ${stackPaths(options.stateDir).stateDir} ` +
        '(start one with: egressctl local up), and neither --kubeconfig nor KUBECONFIG is set',
      ExitCode.usage,
    );
  }
  // Loaded on use: client-node is heavy, and only the live path needs it.
  const [{ KubeConfig, KubernetesObjectApi }, kube] = await Promise.all([
    import('@kubernetes/client-node'),
    import('#shared/kube/index.js'),
  ]);
  const config = new KubeConfig();
  try {
    config.loadFromString(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--kubeconfig ${path}: cannot read it: ${(error as Error).message}`);
  }
  const contexts = config.getContexts().map((c) => c.name);
  const wanted = options.context ?? gcloudContextName(env);
  if (contexts.includes(wanted)) config.setCurrentContext(wanted);
  else if (options.context) {
    throw new CliError(
      `--context ${options.context}: no such context in ${path} (found: ${contexts.join(', ') || 'none'})`,
      ExitCode.invalid,
    );
  } else if (!config.getCurrentContext()) {
    throw new CliError(
      `--env ${options.env}: ${path} has no context ${wanted} (the environment's cluster, as gcloud names it) and no current context: ` +
        `is the environment provisioned? (found: ${contexts.join(', ') || 'none'}); choose one with --context`,
      ExitCode.invalid,
    );
  }
  const server = config.getCurrentCluster()?.server ?? '?';
  const where = `context ${config.getCurrentContext()} (${server})`;
  const client = kube.kubeObjectClient(KubernetesObjectApi.makeApiClient(config));
  try {
    return { objects: await kube.readLiveObjects(client, ANALYZED_KINDS), where };
  } catch (error) {
    throw new CliError(
      `--env ${options.env}: cannot read the cluster of ${where}: ${(error as Error).message}` +
        (stack ? '' : ' (is the local stack running? egressctl local status)'),
    );
  }
}

/** The VPC's firewall rules as the GCP API lists them (those of the environment's network). */
async function readFirewalls(
  options: LiveSourceOptions,
  env: Environment,
): Promise<{ firewalls: FirewallRule[]; where: string }> {
  if (options.google && options.gcpEndpoint !== undefined) {
    throw new CliError('--google and --gcp-endpoint exclude each other', ExitCode.usage);
  }
  const endpoint = options.google
    ? undefined
    : (options.gcpEndpoint ??
      runningStack(options.stateDir)?.endpoints.gcp ??
      (process.env.EGRESS_GCP_ENDPOINT || undefined));
  if (!endpoint && !options.google) {
    throw new CliError(
      `--env ${options.env}: no GCP API to list the firewall rules from: no local stack runs with state dir ` +
        `${stackPaths(options.stateDir).stateDir}; give --google (Google Cloud, default credentials), ` +
        `--gcp-endpoint URL (the GCP simulator) or --firewalls FILE`,
      ExitCode.usage,
    );
  }
  const where = endpoint ?? 'Google Cloud (compute.googleapis.com)';
  // Loaded on use. The CLI lists with compute's own client: listing is no step's call, so the
  // deployed adapters (and their least-privilege roles, deploy/permissions.ts) stay without it.
  const [{ FirewallsClient }, { clientOptions, plainJson }] = await Promise.all([
    import('@google-cloud/compute'),
    import('#shared/gcp/index.js'),
  ]);
  const client = new FirewallsClient(
    clientOptions(endpoint ? { mode: 'local', endpoint } : { mode: 'google' })
      .gax as ConstructorParameters<typeof FirewallsClient>[0],
  );
  let listed: Record<string, unknown>[];
  try {
    const [items] = await client.list({ project: env.spec.project });
    listed = items.map((item) => plainJson(item));
  } catch (error) {
    throw new CliError(
      `--env ${options.env}: cannot list the firewall rules of project ${env.spec.project} at ${where}: ${(error as Error).message}`,
    );
  } finally {
    await client.close();
  }
  const network = `/networks/${env.spec.network.name}`;
  const firewalls = (listed as unknown as FirewallRule[]).filter((rule) =>
    String(rule.network ?? '').endsWith(network),
  );
  return {
    firewalls,
    where: `${firewalls.length} firewall rules of network ${env.spec.network.name} from the GCP API at ${where}`,
  };
}

/**
 * The live input of `check --env` / `matrix --env`: the environment's spec (from `-f` files, else
 * the API), every object the analyzer reads from its cluster (all namespaces, whoever owns them),
 * and its VPC's firewall rules from the GCP API (or `--firewalls FILE`).
 */
export async function loadLiveAnalysisInput(
  options: LiveSourceOptions,
): Promise<LiveAnalysisInput> {
  const notes: string[] = [];
  let specs: { environment: Environment; tenants: Tenant[] };
  if (options.file?.length) {
    specs = await specsFromFiles(options.file, options.env);
    notes.push(`Environment ${options.env} from ${options.file.join(', ')}`);
  } else {
    const fromApi = await specsFromApi(options);
    specs = fromApi;
    notes.push(`Environment ${options.env} from the API at ${fromApi.apiUrl}`);
  }
  const cluster = await readCluster(options, specs.environment);
  notes.push(`${cluster.objects.length} objects read from the cluster of ${cluster.where}`);
  let firewalls: FirewallRule[];
  if (options.firewalls !== undefined) {
    firewalls = await loadFirewallFile(options.firewalls);
    notes.push(`firewall rules from ${options.firewalls}`);
  } else {
    const read = await readFirewalls(options, specs.environment);
    firewalls = read.firewalls;
    notes.push(read.where);
  }
  return {
    objects: cluster.objects,
    firewalls,
    options: analyzerOptionsFor(specs.environment),
    notes,
    environment: specs.environment,
    tenants: specs.tenants,
  };
}
