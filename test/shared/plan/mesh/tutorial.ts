import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import {
  EnvironmentSchema,
  TenantSchema,
  type Environment,
  type EnvironmentInput,
  type Tenant,
  type TenantInput,
} from '../../../../shared/spec/index.js';

/** A path inside the repository, from this file's location. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));
}

/** A path inside test/fixtures/mesh/. */
export function fixturePath(relative: string): string {
  return repoPath(`test/fixtures/mesh/${relative}`);
}

/** The tutorial's environment, parsed from examples/tutorial/. */
export function tutorialEnvironment(): Environment {
  return EnvironmentSchema.parse(
    parse(readFileSync(repoPath('examples/tutorial/environment.yaml'), 'utf8')),
  );
}

/** The tutorial's tenants (team-x, team-y), parsed from examples/tutorial/. */
export function tutorialTenants(): Tenant[] {
  return ['team-x', 'team-y'].map((name) =>
    TenantSchema.parse(parse(readFileSync(repoPath(`examples/tutorial/${name}.yaml`), 'utf8'))),
  );
}

/** An environment of this name from a partial spec (defaults of the schema filled in). */
export function environmentNamed(
  name: string,
  spec: Partial<EnvironmentInput['spec']>,
): Environment {
  return EnvironmentSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name },
    spec,
  });
}

/** An environment from a partial document (defaults of the schema filled in). */
export function makeEnvironment(spec: Partial<EnvironmentInput['spec']> = {}): Environment {
  const location = { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' };
  return environmentNamed('tutorial', { ...location, ...spec });
}

/** A tenant of the `tutorial` environment from a partial spec. */
export function makeTenant(name: string, spec: Partial<TenantInput['spec']> = {}): Tenant {
  return TenantSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { environment: 'tutorial', ...spec },
  });
}

/** Every document of a YAML stream in a fixture file. */
export function readYamlStream(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

/** Finds one object by kind, namespace and name, or fails the test. */
export function findObject(
  objects: readonly KubeObject[],
  kind: string,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name,
  );
  if (!found) throw new Error(`no ${kind} ${namespace ?? ''}/${name} in the output`);
  return found;
}
