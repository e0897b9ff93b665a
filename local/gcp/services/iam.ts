import { GoogleApiError, invalidField } from '../api-error.js';
import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { readPolicy, renderPolicy, serviceAccountVisible, writePolicy } from './iam-policy.js';

/**
 * iam v1 service accounts: `ID@PROJECT.iam.gserviceaccount.com`, a 21-digit uniqueId, and the
 * errors of the real API (golden: 409 "already exists within project", 404 "Unknown service account").
 * A new account answers 404 to `get` until IAM's propagation delay has passed (the store's
 * `serviceAccountDelayMs`), while a second create already answers 409, as Google's IAM does.
 */

const collection = 'iam.serviceAccounts';

function visible(account: Json): Json {
  return Object.fromEntries(Object.entries(account).filter(([k]) => !k.startsWith('__')));
}

/** Finds an account by email or uniqueId (`-` as project means any project). */
function find(req: SimRequest): { key: string; account: Json } {
  const id = req.params.serviceAccountsId!;
  for (const [key, account] of Object.entries(req.store.collection(collection))) {
    if (account.email === id || account.uniqueId === id) return { key, account };
  }
  throw new GoogleApiError(404, 'Unknown service account');
}

/** Fields `serviceAccounts.patch` may change (its `updateMask`). */
const patchableFields = new Set(['displayName', 'description']);

const accountIdPattern = /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/;

/** iam v1 handlers by method id. */
export const iamHandlers: HandlerTable = {
  'iam.projects.serviceAccounts.create': (req) => {
    const project = req.params.projectsId!;
    const accountId = String(req.body.accountId ?? '');
    if (!accountIdPattern.test(accountId)) {
      throw invalidField(
        'account_id',
        `Invalid form of account ID ${accountId}. Should be [Alphanumeric characters, hyphens; 6-30 characters, starting with a letter].`,
      );
    }
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    const key = `projects/${project}/serviceAccounts/${email}`;
    if (req.store.get(collection, key)) {
      throw new GoogleApiError(
        409,
        `Service account ${accountId} already exists within project projects/${project}.`,
      );
    }
    const details = (req.body.serviceAccount as Json | undefined) ?? {};
    const uniqueId = String(100_000_000_000_000_000_000n + BigInt(req.store.nextId()));
    const account: Json = {
      name: key,
      projectId: project,
      uniqueId,
      email,
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: uniqueId,
      ...(details.displayName ? { displayName: details.displayName } : {}),
      ...(details.description ? { description: details.description } : {}),
      __createdMs: req.store.clock.now(),
    };
    req.store.put(collection, key, account);
    return ok(visible(account));
  },
  'iam.projects.serviceAccounts.get': (req) => {
    const { account } = find(req);
    if (!serviceAccountVisible(req.store, account)) {
      throw new GoogleApiError(404, 'Unknown service account');
    }
    return ok(visible(account));
  },
  'iam.projects.serviceAccounts.patch': (req) => {
    const { key, account } = find(req);
    const mask = String(req.body.updateMask ?? '')
      .split(',')
      .map((field) => field.trim())
      .filter(Boolean);
    if (mask.length === 0) {
      throw invalidField('update_mask', 'Required field update_mask not specified.');
    }
    const given = (req.body.serviceAccount as Json | undefined) ?? {};
    const changed: Json = {};
    for (const field of mask) {
      if (!patchableFields.has(field)) {
        throw invalidField('update_mask', `Invalid update_mask path: ${field}.`);
      }
      changed[field] = given[field] ?? '';
    }
    const next: Json = { ...account };
    for (const [field, value] of Object.entries(changed)) {
      if (value === '') delete next[field];
      else next[field] = value;
    }
    req.store.put(collection, key, next);
    // Google answers with the name and the patched fields only (golden: serviceaccount crud).
    return ok({ ...changed, name: account.name });
  },
  'iam.projects.serviceAccounts.list': (req) => {
    const accounts = req.store.list(collection, `projects/${req.params.projectsId}/`).map(visible);
    return ok(accounts.length > 0 ? { accounts } : {});
  },
  'iam.projects.serviceAccounts.delete': (req) => {
    const { key } = find(req);
    req.store.remove(collection, key);
    req.store.remove('iam.policies', key);
    return ok({});
  },
  'iam.projects.serviceAccounts.getIamPolicy': (req) =>
    ok(renderPolicy(readPolicy(req.store, find(req).key))),
  'iam.projects.serviceAccounts.setIamPolicy': (req) =>
    ok(renderPolicy(writePolicy(req.store, find(req).key, req.body))),
};
