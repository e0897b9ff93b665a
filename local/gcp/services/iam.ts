import { GoogleApiError, invalidField } from '../api-error.js';
import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { readPolicy, renderPolicy, writePolicy } from './iam-policy.js';

/**
 * iam v1 service accounts: `ID@PROJECT.iam.gserviceaccount.com`, a 21-digit uniqueId, and the
 * errors of the real API (golden: 409 "already exists within project", 404 "Unknown service account").
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
  'iam.projects.serviceAccounts.get': (req) => ok(visible(find(req).account)),
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
