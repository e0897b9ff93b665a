import type { ErrorBody } from '../../shared/errors.js';
import {
  parseTenant,
  specHash,
  SpecValidationError,
  type Tenant,
} from '../../shared/spec/index.js';
import type { EnvironmentRecord, TenantAdmission, TenantRecord } from '../../shared/state/types.js';
import { specErrorBody } from './http.js';
import { specSetProblems } from './spec-set-problems.js';
import { targetMismatch } from './target-mismatch.js';

/** The largest Tenant document a request or message may carry (bytes). */
export const MAX_TENANT_BYTES = 64 * 1024;
/** The most egress rules one tenant may list (each compiles to gateway objects). */
export const MAX_EGRESS_RULES = 500;
/** The most tenants one environment takes. */
export const MAX_TENANTS = 500;

/**
 * Whether a stored tenant is applied as stored: a request for the same spec has nothing to run
 * (no tenants run, no pass over the environment).
 */
export function appliedAsStored(record: TenantRecord): boolean {
  return record.status === 'APPLIED' && record.lastAppliedHash === record.specHash;
}

/** What a tenant change asks for, from the API or from a Pub/Sub message. */
export interface TenantChange {
  environmentId: string;
  /** Where the request names the environment, for errors (`environmentId`, `attributes.environment`). */
  environmentField: string;
  /**
   * `put`: the document (decoded JSON/YAML) becomes the tenant's spec; `offboard`: the stored
   * tenant's spec with `state: absent` (its objects and grants are removed).
   */
  change: { put: unknown; documentField: string } | { offboard: true };
  /** The tenant the request names (the API's URL); a Pub/Sub message names it in its document. */
  tenantName?: string;
  /** The stored generation the caller expects (`If-Match`); another one refuses the change. */
  ifGeneration?: number;
  /**
   * The run an idempotency key already names: a change whose tenant hashes differently reuses
   * the key for another document, refused before anything is stored.
   */
  keyedRun?: { id: string; requestHash: string; field: string };
  /** Decided against the environment as stored, in the transaction (the API's caller). */
  authorize?: (environment: EnvironmentRecord, tenantName: string) => ErrorBody | undefined;
}

/** A refusal with one error body. */
function refused(
  kind: ErrorBody['kind'],
  reason: string,
  message: string,
  field?: string,
): { refused: ErrorBody[] } {
  return { refused: [{ kind, reason, message, ...(field !== undefined ? { field } : {}) }] };
}

/**
 * A Tenant document's egress rule count, checked before parsing: the parse of an oversized list
 * is what the cap protects against.
 */
export function tooManyEgressRules(document: unknown): ErrorBody | undefined {
  const rules = (document as { spec?: { egress?: unknown } } | null)?.spec?.egress;
  if (!Array.isArray(rules) || rules.length <= MAX_EGRESS_RULES) return undefined;
  return {
    kind: 'invalid-request',
    reason: 'too-many-egress-rules',
    message: `spec.egress has ${rules.length} rules; a tenant may have at most ${MAX_EGRESS_RULES}`,
    field: 'spec.egress',
  };
}

function parsed(
  document: unknown,
  environment: EnvironmentRecord,
  documentField: string,
): { tenant: Tenant } | { refused: ErrorBody[] } {
  const tooMany = tooManyEgressRules(document);
  if (tooMany) return { refused: [tooMany] };
  try {
    return { tenant: parseTenant(document, environment.spec) };
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    return { refused: error.errors.map((e) => specErrorBody(e, documentField)) };
  }
}

/** The tenant the change stores, before the checks against the others. */
function changedTenant(
  request: TenantChange,
  environment: EnvironmentRecord,
  stored: TenantRecord | undefined,
): { tenant: Tenant } | { refused: ErrorBody[] } {
  if ('offboard' in request.change) {
    if (!stored) {
      return refused(
        'not-found',
        'tenant-not-found',
        `tenant ${request.tenantName} of environment ${request.environmentId} does not exist`,
      );
    }
    return { tenant: { ...stored.spec, spec: { ...stored.spec.spec, state: 'absent' } } };
  }
  const result = parsed(request.change.put, environment, request.change.documentField);
  if ('refused' in result) return result;
  const mismatch =
    targetMismatch({
      reason: 'environment-mismatch',
      field: 'spec.environment',
      named: result.tenant.spec.environment,
      expected: request.environmentId,
      expectedBy: request.tenantName ? 'the URL names environment' : 'the message is for',
    }) ??
    (request.tenantName
      ? targetMismatch({
          reason: 'name-mismatch',
          field: 'metadata.name',
          named: result.tenant.metadata.name,
          expected: request.tenantName,
          expectedBy: 'the URL names tenant',
        })
      : undefined);
  return mismatch ? { refused: [mismatch] } : result;
}

/**
 * The admission of a tenant change, decided in the transaction that stores it
 * ({@link TenantStore.admit}) against the environment and its tenants as that transaction read
 * them: the environment exists and is not being deleted; the caller may make the change; the
 * document is a valid Tenant under the environment's policy, for this environment (and the
 * URL's tenant); the expected generation holds; the environment has room; and the tenant, with
 * the others, is consistent and expressible ({@link specSetProblems}). Pure: it may run more
 * than once.
 */
export function tenantAdmission(request: TenantChange): TenantAdmission {
  return (environment, tenants) => {
    if (!environment || environment.status === 'DELETING' || environment.status === 'DELETED') {
      return refused(
        'not-found',
        'environment-not-found',
        `environment ${request.environmentId} does not exist or is being deleted`,
        request.environmentField,
      );
    }
    if (request.tenantName !== undefined) {
      const denied = request.authorize?.(environment, request.tenantName);
      if (denied) return { refused: [denied] };
    }
    const byName = (name: string | undefined) => tenants.find((record) => record.id === name);
    const result = changedTenant(request, environment, byName(request.tenantName));
    if ('refused' in result) return result;
    const { tenant } = result;
    if (request.tenantName === undefined) {
      // The document names its tenant: authorize only now.
      const denied = request.authorize?.(environment, tenant.metadata.name);
      if (denied) return { refused: [denied] };
    }
    const keyed = request.keyedRun;
    if (keyed && keyed.requestHash !== specHash(tenant)) {
      return refused(
        'conflict',
        'idempotency-key-reused',
        `the idempotency key was used for another document (run ${keyed.id})`,
        keyed.field,
      );
    }
    const stored = byName(tenant.metadata.name);
    if (request.ifGeneration !== undefined && stored?.generation !== request.ifGeneration) {
      return refused(
        'conflict',
        'generation-mismatch',
        `tenant ${tenant.metadata.name} is at generation ${stored?.generation ?? 'none (it does not exist)'}, not ${request.ifGeneration}; read it again`,
        'If-Match',
      );
    }
    const others = tenants.filter((record) => record.id !== tenant.metadata.name);
    if (!stored && others.length >= MAX_TENANTS) {
      return refused(
        'conflict',
        'too-many-tenants',
        `environment ${request.environmentId} has ${MAX_TENANTS} tenants, the most it takes`,
        request.environmentField,
      );
    }
    const problems = specSetProblems(
      environment.spec,
      others.map((record) => record.spec),
      tenant,
    );
    if (problems.length > 0) {
      const documentField = 'put' in request.change ? request.change.documentField : 'body';
      return { refused: problems.map((problem) => specErrorBody(problem, documentField)) };
    }
    return { tenant };
  };
}
