import { PermanentError } from '../../errors.js';
import type { SpecError, SpecSet } from '../../spec/index.js';
import { checkTenantObjects } from './tenant-objects.js';

/**
 * What the compiler refuses in a valid spec set, as spec errors: a spec must never pass
 * `validate` and then fail at `render` or in the tenants step. Each environment is compiled with
 * its tenants; a refusal names the tenant (source `Tenant/NAME`) and the field. It runs only the
 * compiler's checks (`checkTenantObjects`), which throw what `desiredObjects` would throw, so
 * validating thousands of egress rules does not build every gateway object.
 */
export function compilationProblems(specs: SpecSet): SpecError[] {
  const problems: SpecError[] = [];
  for (const environment of specs.environments) {
    const tenants = specs.tenants.filter((t) => t.spec.environment === environment.metadata.name);
    try {
      checkTenantObjects(environment, tenants);
    } catch (error) {
      if (!(error instanceof PermanentError)) throw error;
      problems.push({
        source: error.options.resource ?? `Environment/${environment.metadata.name}`,
        path: error.options.field ?? 'spec',
        rule: 'gateway-cannot-express',
        message: error.message,
      });
    }
  }
  return problems;
}
