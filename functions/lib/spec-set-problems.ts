import { compilationProblems } from '../../shared/plan/mesh/index.js';
import {
  tenantGrantProblems,
  validateSpecSet,
  type Environment,
  type SpecError,
  type Tenant,
} from '../../shared/spec/index.js';

/**
 * What is wrong with an environment together with its stored tenants and, when given, an
 * incoming tenant that replaces the stored one of the same name: conflicts between tenants
 * (one host and port claimed two ways, a Google service account claimed twice) and what the
 * egress gateway cannot express. The CLI's `validate` runs the same checks over files; the API
 * and the tenant events run them here so a spec that would only fail later, in the tenants
 * step, is refused before anything is stored.
 *
 * The incoming tenant goes last: a conflict is reported at the second of its two documents, so
 * the problem names the document being submitted, not one already accepted.
 */
export function specSetProblems(
  environment: Environment,
  storedTenants: readonly Tenant[],
  incoming?: Tenant,
): SpecError[] {
  const tenants = [
    ...storedTenants.filter((t) => t.metadata.name !== incoming?.metadata.name),
    ...(incoming ? [incoming] : []),
  ];
  // Without the Environment in the set, the stored tenants are a partial view: a tenant may name
  // in allowToTenants a team whose own document has not arrived yet.
  const crossDocument = validateSpecSet({
    environments: [],
    tenants: tenants.map((spec) => ({ source: `Tenant/${spec.metadata.name}`, spec })),
  });
  // The grant policy binds the incoming tenant; a stored one is held to a tightened policy by
  // the tenants step (grant-not-allowed), so tightening the environment stays possible.
  const policy = incoming ? tenantGrantProblems(incoming, environment) : [];
  if (crossDocument.length > 0 || policy.length > 0) return [...crossDocument, ...policy];
  return compilationProblems({ environments: [environment], tenants });
}
