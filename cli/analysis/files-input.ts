import { flattenObjects, type AnalyzerOptions, type FirewallRule } from '#shared/analysis/index.js';
import { PermanentError } from '#shared/errors.js';
import { desiredFirewalls } from '#shared/plan/gcp/compute.js';
import { applicationNodesEmail, gatewayNodesEmail } from '#shared/plan/gcp/names.js';
import type { KubeObject } from '#shared/plan/kube-object.js';
import { desiredObjects } from '#shared/plan/mesh/index.js';
import {
  formatSpecError,
  SPEC_API_VERSION,
  validateDocuments,
  type Environment,
  type Tenant,
} from '#shared/spec/index.js';
import { CliError, ExitCode, invalidInput } from '../errors.js';
import { chooseEnvironment, loadFirewallFile, loadSpecFiles } from '../load-specs.js';

/** What `check` and `matrix` analyze: objects, firewall rules and the environment's facts. */
export interface AnalysisInput {
  objects: KubeObject[];
  firewalls: FirewallRule[];
  options: AnalyzerOptions;
  /** Where the objects and firewalls came from, for the reader of the output. */
  notes: string[];
  /** The Environment and its Tenants the objects were compiled from, when the files held specs. */
  specs?: { environment: Environment; tenants: Tenant[] };
}

/** Options both analysis commands share. */
export interface AnalysisSourceOptions {
  file: string[];
  firewalls?: string;
  environment?: string;
}

/**
 * An environment and its tenants as the compiler and the firewalls step make them: the objects,
 * the firewall rules and the node accounts the analyzer needs.
 */
export function compiledInput(
  environment: Environment,
  tenants: Tenant[],
): Required<Pick<AnalysisInput, 'objects' | 'firewalls' | 'options' | 'specs'>> {
  let objects: KubeObject[];
  try {
    objects = desiredObjects(environment, tenants);
  } catch (err) {
    if (err instanceof PermanentError) throw new CliError(`cannot compile: ${err.message}`);
    throw err;
  }
  return {
    objects,
    firewalls: desiredFirewalls(environment),
    options: {
      gatewayNodeServiceAccount: gatewayNodesEmail(environment),
      applicationNodeServiceAccount: applicationNodesEmail(environment),
    },
    specs: { environment, tenants },
  };
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
  let specs: AnalysisInput['specs'];
  if (specDocs.length) {
    const result = validateDocuments(specDocs);
    if (!result.ok) throw invalidInput(result.errors.map(formatSpecError));
    const { environments, tenants } = result.specs;
    const env = chooseEnvironment(environments, source.environment);
    const compiled = compiledInput(
      env,
      tenants.filter((t) => t.spec.environment === env.metadata.name),
    );
    specs = compiled.specs;
    objects.push(...compiled.objects);
    firewalls = compiled.firewalls;
    Object.assign(options, compiled.options);
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
  return { objects, firewalls: firewalls ?? [], options, notes, ...(specs ? { specs } : {}) };
}
