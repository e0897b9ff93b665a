/**
 * Checks across spec documents: names, references between documents, and what tenants of one
 * environment share (namespaces, the gateway's host ports, Google service accounts).
 */
import { egressRulePorts, tenantNamespace } from './egress.js';
import type { Environment } from './environment.js';
import { tenantGrantProblems } from './grant-policy.js';
import type { SpecError } from './spec-error.js';
import { hostObjectNames, tenantHostObjectNames } from './object-names.js';
import type { EgressRule, Tenant } from './tenant.js';
import { describeTraffic, sameTraffic } from './validate-tenant.js';
import { claim, specError, type Path } from './validation-support.js';

/** A parsed document with the name of where it came from. */
export interface Sourced<T> {
  source?: string;
  spec: T;
}

/** The errors of a check across documents, each with the source of the document it is about. */
class SourcedErrors {
  readonly list: SpecError[] = [];

  add(source: string | undefined, path: Path, rule: string, message: string): void {
    const error = specError(path, rule, message);
    this.list.push(source === undefined ? error : { source, ...error });
  }
}

/**
 * Checks across documents: duplicate names, references between tenants and to environments,
 * conflicting uses of one host and port, Google service accounts claimed twice. Per-document
 * checks are not repeated here. A set that holds a tenant's Environment is taken as that
 * environment's full desired state, so only then must `allowToTenants` name tenants of the set
 * (a lone tenant file is a partial view). `declaredEnvironments` names environments that were given but
 * failed to parse, so their tenants are not reported as orphans on top.
 */
export function validateSpecSet(
  set: {
    environments: ReadonlyArray<Sourced<Environment>>;
    tenants: ReadonlyArray<Sourced<Tenant>>;
  },
  options: { declaredEnvironments?: ReadonlyArray<string> } = {},
): SpecError[] {
  const errors = new SourcedErrors();

  const environmentsByName = indexByName(
    set.environments,
    errors,
    'duplicate-environment',
    (name) => `environment "${name}"`,
  );
  const knownEnvironments = new Set([
    ...environmentsByName.keys(),
    ...(options.declaredEnvironments ?? []),
  ]);

  const tenantsByEnvironment = new Map<string, Array<Sourced<Tenant>>>();
  for (const tenant of set.tenants) {
    const envName = tenant.spec.spec.environment;
    if (knownEnvironments.size > 0 && !knownEnvironments.has(envName)) {
      errors.add(
        tenant.source,
        ['spec', 'environment'],
        'unknown-environment',
        `environment "${envName}" is not among the given Environment documents (${[...knownEnvironments].sort().join(', ')})`,
      );
    }
    const group = tenantsByEnvironment.get(envName) ?? [];
    group.push(tenant);
    tenantsByEnvironment.set(envName, group);
  }

  for (const [envName, tenants] of tenantsByEnvironment) {
    checkTenantGroup(envName, tenants, environmentsByName.has(envName), errors);
  }
  checkGoogleServiceAccounts(set.tenants, errors);
  checkGrantPolicy(set.tenants, environmentsByName, errors);
  return errors.list;
}

/**
 * What each tenant asks of its environment's IAM, held to that environment's grant policy
 * (`spec.tenancy.grants`) and reserved accounts. A tenant whose environment is not in the set
 * is checked where the environment is known (functions/lib/spec-set-problems.ts).
 */
function checkGrantPolicy(
  tenants: ReadonlyArray<Sourced<Tenant>>,
  environmentsByName: ReadonlyMap<string, Sourced<Environment>>,
  errors: SourcedErrors,
): void {
  for (const tenant of tenants) {
    const environment = environmentsByName.get(tenant.spec.spec.environment);
    if (!environment) continue;
    for (const problem of tenantGrantProblems(tenant.spec, environment.spec)) {
      errors.list.push(
        tenant.source === undefined ? problem : { source: tenant.source, ...problem },
      );
    }
  }
}

/** Google service accounts live in the project: two tenants must never share one. */
function checkGoogleServiceAccounts(
  tenants: ReadonlyArray<Sourced<Tenant>>,
  errors: SourcedErrors,
): void {
  const accounts = new Map<string, { tenant: string; source?: string }>();
  for (const tenant of tenants) {
    if (tenant.spec.spec.state === 'absent') continue;
    const name = tenant.spec.metadata.name;
    tenant.spec.spec.workloadIdentity.forEach((binding, index) => {
      const account = binding.googleServiceAccount;
      const owner = claim(accounts, account, { tenant: name, source: tenant.source });
      if (owner && owner.tenant !== name) {
        errors.add(
          tenant.source,
          ['spec', 'workloadIdentity', index, 'googleServiceAccount'],
          'duplicate-google-service-account',
          `Google service account "${account}" is already used by tenant "${owner.tenant}"`,
        );
      }
    });
  }
}

function checkTenantGroup(
  envName: string,
  tenants: ReadonlyArray<Sourced<Tenant>>,
  complete: boolean,
  errors: SourcedErrors,
): void {
  const byName = indexByName(
    tenants,
    errors,
    'duplicate-tenant',
    (name) => `tenant "${name}" of environment "${envName}"`,
  );

  for (const tenant of tenants) {
    const name = tenant.spec.metadata.name;
    for (const field of ['allowToTenants', 'acceptFromTenants'] as const) {
      tenant.spec.spec.networkPolicy[field].forEach((target, index) => {
        if (complete && target !== name && !byName.has(target)) {
          errors.add(
            tenant.source,
            ['spec', 'networkPolicy', field, index],
            'unknown-tenant',
            `no tenant "${target}" in environment "${envName}"`,
          );
        }
      });
    }
  }
  checkObjectNames(byName.values(), errors);

  // A duplicate tenant is reported once; letting it claim namespace and ports would repeat it.
  const byNamespace = new Map<string, string>();
  const hostPorts = new Map<string, { tenant: string; rule: EgressRule }>();
  for (const tenant of byName.values()) {
    const name = tenant.spec.metadata.name;
    if (tenant.spec.spec.state === 'absent') continue;
    const namespace = tenantNamespace(tenant.spec);
    const owner = claim(byNamespace, namespace, name);
    if (owner !== undefined) {
      errors.add(
        tenant.source,
        tenant.spec.spec.namespace === undefined ? ['metadata', 'name'] : ['spec', 'namespace'],
        'duplicate-namespace',
        `namespace "${namespace}" is already used by tenant "${owner}"`,
      );
    }

    // The gateway's routing for a host and port is shared by every tenant granted it.
    tenant.spec.spec.egress.forEach((rule, index) => {
      const { port } = egressRulePorts(rule);
      const existing = claim(hostPorts, `${rule.host}:${port}`, { tenant: name, rule });
      if (existing && existing.tenant !== name && !sameTraffic(existing.rule, rule)) {
        errors.add(
          tenant.source,
          ['spec', 'egress', index, 'port'],
          'port-conflict',
          `${rule.host} port ${port} is used by tenant "${existing.tenant}" with ${describeTraffic(existing.rule)}; the gateway routes one port of a host one way for every tenant`,
        );
      }
    });
  }
}

/**
 * Object names derived from (tenant, host) pairs are injective by construction (shared/spec
 * object-names.ts, a hash suffix when the readable form is lossy); this proves it for the set,
 * stored tenants included when admission passes them, so a hash collision is refused at the
 * door instead of failing every later apply of the environment.
 */
function checkObjectNames(tenants: Iterable<Sourced<Tenant>>, errors: SourcedErrors): void {
  // One Map per kind, keyed by name: no kind/name string to build and hash per claim, and one
  // owner object per (tenant, host) shared by its names, so thousands of rules stay cheap.
  const owners = new Map<string, Map<string, { tenant: string; host: string }>>();
  const claimAll = (
    names: ReadonlyArray<{ kind: string; name: string }>,
    owner: { tenant: string; host: string },
  ): string | undefined => {
    for (const { kind, name } of names) {
      let byName = owners.get(kind);
      if (byName === undefined) {
        byName = new Map();
        owners.set(kind, byName);
      }
      const first = claim(byName, name, owner);
      if (first && (first.host !== owner.host || first.tenant !== owner.tenant)) {
        return `${kind}/${name} is already derived from ${first.tenant === '' ? '' : `tenant "${first.tenant}", `}host "${first.host}"; rename the tenant or the host`;
      }
    }
    return undefined;
  };
  for (const tenant of tenants) {
    if (tenant.spec.spec.state === 'absent') continue;
    const name = tenant.spec.metadata.name;
    tenant.spec.spec.egress.forEach((rule, index) => {
      const collision =
        claimAll(hostObjectNames(rule.host), { tenant: '', host: rule.host }) ??
        claimAll(tenantHostObjectNames(name, rule.host), { tenant: name, host: rule.host });
      if (collision !== undefined) {
        errors.add(tenant.source, ['spec', 'egress', index, 'host'], 'name-collision', collision);
      }
    });
  }
}

/**
 * The documents by name, each name's first document kept; a later one of the same name is an
 * error of `rule`, its message naming the document as `describe` does.
 */
function indexByName<T extends { metadata: { name: string } }>(
  documents: ReadonlyArray<Sourced<T>>,
  errors: SourcedErrors,
  rule: string,
  describe: (name: string) => string,
): Map<string, Sourced<T>> {
  const byName = new Map<string, Sourced<T>>();
  for (const document of documents) {
    const name = document.spec.metadata.name;
    const first = claim(byName, name, document);
    if (first) {
      errors.add(
        document.source,
        ['metadata', 'name'],
        rule,
        `${describe(name)} is already defined in ${first.source ?? 'another document'}`,
      );
    }
  }
  return byName;
}
