/**
 * CEL validation rules of the CRD kinds, as admission calls them: the rules of the request
 * version's schema, after ObjectMeta and OpenAPI validation (see `crd-rules.ts`).
 */
import { validateCustom, type CrdVersion } from '../crd-kinds.js';
import type { WriteContext } from '../resource-request.js';
import type { StatusCause } from '../status-errors.js';
import { validateCrdRules } from './crd-rules.js';
import type { JsonObject } from '../../../shared/lib/json.js';

export { validateCrdRules, skippedRules, type RuleVerdict } from './crd-rules.js';

/**
 * The causes the CRD's `x-kubernetes-validations` rules give for a write of `object` over
 * `previous` (empty for built-in kinds); ratcheted failures go to the request's warnings.
 * `priorCauses` are the causes found so far: a blocking one stops the rules, as in
 * kube-apiserver.
 */
export function crdRuleCauses(
  context: WriteContext,
  object: JsonObject,
  previous: JsonObject | undefined,
  priorCauses: readonly StatusCause[],
): StatusCause[] {
  const { type, version } = context.request;
  const crd = type.crd;
  if (!crd) return [];
  const served: CrdVersion | undefined =
    crd.versions.find((candidate) => candidate.name === version) ?? crd.versions[0];
  if (!served) return [];
  const verdict = validateCrdRules(
    served.schema,
    object,
    previous,
    priorCauses,
    validateCustom(served.schema, object),
  );
  context.warnings.push(...verdict.warnings);
  return verdict.causes;
}
