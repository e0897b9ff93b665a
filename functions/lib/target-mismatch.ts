import type { ErrorBody } from '../../shared/errors.js';

/** Where a document names its target, and where the request names it. */
export interface TargetCheck {
  reason: string;
  /** The document's field that names the target, e.g. `metadata.name`. */
  field: string;
  named: string;
  expected: string;
  /** How the request names it, completing "but ... <expected>", e.g. `the URL names environment`. */
  expectedBy: string;
}

/**
 * A document sent for a resource must name that resource itself (an Environment its name, a
 * Tenant its environment), or the request would act on one while the document describes
 * another. The problem when the two differ, else undefined.
 */
export function targetMismatch(check: TargetCheck): ErrorBody | undefined {
  if (check.named === check.expected) return undefined;
  return {
    kind: 'invalid-request',
    reason: check.reason,
    message: `${check.field} is ${check.named}, but ${check.expectedBy} ${check.expected}`,
    field: check.field,
  };
}
