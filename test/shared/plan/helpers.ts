import { fileURLToPath } from 'node:url';
import type { Environment, EnvironmentInput } from '../../../shared/spec/environment.js';
import { environmentNamed, tutorialEnvironment } from './mesh/tutorial.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** This area's fixtures folder. */
export const FIXTURES = fileURLToPath(new URL('../../fixtures/plan/', import.meta.url));

/** The tutorial's Environment, parsed with its defaults. */
export { tutorialEnvironment };

/** An Environment from a partial spec over the tutorial's required fields. */
export function environmentWith(spec: Partial<EnvironmentInput['spec']> = {}): Environment {
  const location = { project: 'my-project-1', region: 'europe-west1', zone: 'europe-west1-b' };
  return environmentNamed('test-env', { ...location, ...spec });
}
