import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  EnvironmentSchema,
  type Environment,
  type EnvironmentInput,
} from '../../shared/spec/environment.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** This area's fixtures folder. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/plan/', import.meta.url));

/** The tutorial's Environment, parsed with its defaults. */
export function tutorialEnvironment(): Environment {
  return EnvironmentSchema.parse(
    parse(readFileSync(`${ROOT}examples/tutorial/environment.yaml`, 'utf8')),
  );
}

/** An Environment from a partial spec over the tutorial's required fields. */
export function environmentWith(spec: Partial<EnvironmentInput['spec']> = {}): Environment {
  return EnvironmentSchema.parse({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'test-env' },
    spec: { project: 'my-project-1', region: 'europe-west1', zone: 'europe-west1-b', ...spec },
  });
}
