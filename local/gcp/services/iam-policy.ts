import { GoogleApiError, etagConflict, invalidField } from '../api-error.js';
import type { Json, SimStore } from '../store.js';
import { checkRoleExists } from './iam-roles.js';

/**
 * IAM policies with Google's read-modify-write contract: every write carries the etag it read;
 * a stale etag answers 409 ABORTED, so concurrent writers must re-read and retry.
 */

const collection = 'iam.policies';

/** The stored policy of a resource (a project or a service account), created on first read. */
export function readPolicy(store: SimStore, resource: string, initial: Json[] = []): Json {
  const existing = store.get(collection, resource);
  if (existing) return existing;
  return store.put(collection, resource, { version: 1, etag: store.etag(), bindings: initial });
}

/** Whether IAM's propagation delay for a new service account has passed on the store's clock. */
export function serviceAccountVisible(store: SimStore, account: Json): boolean {
  return Number(account.__createdMs ?? 0) + store.serviceAccountDelayMs <= store.clock.now();
}

const memberPattern =
  /^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain|principal|principalSet|deleted:user|deleted:serviceAccount|deleted:group):.+)$/;

/**
 * Service accounts become usable in policies only after IAM's propagation delay. `fail` shapes
 * the refusal (Storage words it without a field violation).
 */
export function checkServiceAccountMember(
  store: SimStore,
  member: string,
  field: string,
  fail: (message: string) => GoogleApiError = (message) => invalidField(field, message),
): void {
  const email = member.slice('serviceAccount:'.length);
  const match = /^[^@]+@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email);
  if (!match) return;
  const account = store.get('iam.serviceAccounts', `projects/${match[1]}/serviceAccounts/${email}`);
  if (!account || !serviceAccountVisible(store, account)) {
    throw fail(`Service account ${email} does not exist.`);
  }
}

/** The project a policy's resource (`projects/P` or `projects/P/serviceAccounts/E`) lives in. */
function projectOf(resource: string): string {
  return resource.split('/')[1] ?? '';
}

/** Applies `setIamPolicy` to a resource; returns the new policy. */
export function writePolicy(store: SimStore, resource: string, body: Json): Json {
  const policy = body.policy as Json | undefined;
  if (!policy) throw invalidField('policy', "Required field 'policy' not specified");
  const current = readPolicy(store, resource);
  // gcloud treats etags as bytes and re-encodes them URL-safe: compare the decoded bytes.
  const decode = (etag: unknown) =>
    Buffer.from(String(etag).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex');
  if (policy.etag !== undefined && decode(policy.etag) !== decode(current.etag))
    throw etagConflict();
  const bindings = ((policy.bindings as Json[] | undefined) ?? []).map((binding, i) => {
    checkRoleExists(store, String(binding.role ?? ''), projectOf(resource));
    const members = (binding.members as string[] | undefined) ?? [];
    members.forEach((member, j) => {
      const field = `policy.bindings[${i}].members[${j}]`;
      if (!memberPattern.test(member)) throw invalidField(field, `Invalid member: ${member}.`);
      if (member.startsWith('serviceAccount:')) checkServiceAccountMember(store, member, field);
    });
    return binding;
  });
  const hasConditions = bindings.some((b) => b.condition !== undefined);
  const version = Number(policy.version ?? 1);
  if (hasConditions && version < 3) {
    throw invalidField('policy.version', 'Policies with conditions must be set with version 3.');
  }
  if (![0, 1, 3].includes(version)) {
    throw new GoogleApiError(400, `Invalid policy version ${version}.`);
  }
  const next: Json = {
    version: hasConditions ? 3 : Math.max(1, version),
    etag: store.etag(),
    bindings: bindings.filter((b) => ((b.members as string[] | undefined) ?? []).length > 0),
  };
  if (policy.auditConfigs) next.auditConfigs = policy.auditConfigs;
  return store.put(collection, resource, next);
}

/** A policy as Google renders it: no empty `bindings`. */
export function renderPolicy(policy: Json): Json {
  const out: Json = { version: policy.version, etag: policy.etag };
  if ((policy.bindings as Json[]).length > 0) out.bindings = policy.bindings;
  if (policy.auditConfigs) out.auditConfigs = policy.auditConfigs;
  return out;
}
