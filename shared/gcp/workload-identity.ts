import type { iam_v1 } from '@googleapis/iam';
import { PermanentError } from '../errors.js';
import { IAM_POLICY_VERSION, type IamPolicy } from '../plan/gcp/iam.js';
import type { GoogleServiceAccount, WorkloadIdentityApi } from '../core/workload-identity.js';
import { callGoogle } from './errors.js';
import type { AuthorizedRequester } from './gkehub.js';
import { IamAdapter } from './iam.js';
import type { ProjectIamApi } from '../core/gcp-apis.js';

/**
 * The production {@link WorkloadIdentityApi} (shared/core/workload-identity.ts): Google service accounts
 * and their own IAM policies over `@googleapis/iam`, project policies over the resource manager
 * (through {@link ProjectIamApi}), and bucket policies over the Cloud Storage JSON API
 * (`GET|PUT storage/v1/b/BUCKET/iam`) through an authorized requester, since the product has
 * no storage client library. The composition roots build the clients; this file only wraps them.
 */

/** Full resource names the adapter understands, by kind. */
const SERVICE_ACCOUNT_RESOURCE =
  /^\/\/iam\.googleapis\.com\/(projects\/[^/]+\/serviceAccounts\/[^/]+)$/;
const PROJECT_RESOURCE = /^\/\/cloudresourcemanager\.googleapis\.com\/projects\/([^/]+)$/;
const BUCKET_RESOURCE = /^\/\/storage\.googleapis\.com\/projects\/_\/buckets\/([^/]+)$/;
/** The spec field a refused grant comes from. */
const GRANT_FIELD = 'spec.workloadIdentity[].grants[].resource';

/** Where bucket policies are read and written. */
export interface StorageIamTarget {
  /** google-auth-library's `request` (GoogleAuth in production). */
  requester: AuthorizedRequester;
  /** Root of the JSON API: `https://storage.googleapis.com`. */
  root: string;
}

/** The clients {@link workloadIdentityAdapter} wraps, built by a composition root. */
export interface WorkloadIdentityClients {
  /** `iam({version: 'v1', ...})` of `@googleapis/iam`. */
  iam: iam_v1.Iam;
  /** Project policies: shared/gcp's ProjectIamAdapter over the resource manager. */
  projectIam: ProjectIamApi;
  /**
   * Bucket policies (the Storage JSON API; the local GCP simulator serves its bucket IAM subset).
   * Absent: a bucket grant is a PermanentError('unsupported-resource'), never a silent skip.
   */
  storage?: StorageIamTarget;
}

/** A resource name resolved to the API that owns its policy. */
type PolicyTarget =
  | { kind: 'service-account'; name: string }
  | { kind: 'project'; project: string }
  | { kind: 'bucket'; bucket: string; storage: StorageIamTarget };

/** The Storage JSON API's Policy (it adds `kind` and `resourceId`, which are output only). */
interface StoragePolicy extends IamPolicy {
  kind?: string;
  resourceId?: string;
}

/**
 * {@link WorkloadIdentityApi} over the official clients; see the file comment. A plain object
 * of functions, so a caller may decorate it with a spread (`{...api, setIamPolicy}`).
 */
export function workloadIdentityAdapter(clients: WorkloadIdentityClients): WorkloadIdentityApi {
  const accounts = new IamAdapter(clients.iam);

  const target = (resource: string): PolicyTarget => {
    const account = SERVICE_ACCOUNT_RESOURCE.exec(resource);
    if (account) return { kind: 'service-account', name: account[1] as string };
    const project = PROJECT_RESOURCE.exec(resource);
    if (project) return { kind: 'project', project: project[1] as string };
    const bucket = BUCKET_RESOURCE.exec(resource);
    if (bucket) {
      if (!clients.storage) {
        throw new PermanentError(
          'unsupported-resource',
          `cannot grant on ${resource}: this deployment has no Cloud Storage API configured; grant on a project instead`,
          { resource, field: GRANT_FIELD },
        );
      }
      return { kind: 'bucket', bucket: bucket[1] as string, storage: clients.storage };
    }
    throw new PermanentError(
      'unsupported-resource',
      `cannot grant on ${resource}: supported resources are //iam.googleapis.com/projects/P/serviceAccounts/EMAIL, //cloudresourcemanager.googleapis.com/projects/P and //storage.googleapis.com/projects/_/buckets/B`,
      { resource, field: GRANT_FIELD },
    );
  };

  const bucketIamUrl = (bucket: { bucket: string; storage: StorageIamTarget }): string =>
    `${bucket.storage.root}/storage/v1/b/${encodeURIComponent(bucket.bucket)}/iam`;

  return {
    async listServiceAccounts(project) {
      const found: GoogleServiceAccount[] = [];
      let pageToken: string | undefined;
      do {
        const page = await callGoogle(
          { action: 'list service accounts of', resource: `projects/${project}` },
          async () =>
            (
              await clients.iam.projects.serviceAccounts.list({
                name: `projects/${project}`,
                pageSize: 100,
                ...(pageToken ? { pageToken } : {}),
              })
            ).data,
        );
        for (const account of page.accounts ?? []) {
          if (!account.email) continue;
          found.push({
            email: account.email,
            ...(account.description ? { description: account.description } : {}),
          });
        }
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      return found;
    },

    async createServiceAccount(project, accountId, details) {
      // ALREADY_EXISTS comes back as a value: an existing account is success here.
      await accounts.createServiceAccount(project, { accountId, serviceAccount: details });
    },

    async deleteServiceAccount(project, email) {
      await accounts.deleteServiceAccount(project, email);
    },

    async getIamPolicy(resource) {
      const to = target(resource);
      switch (to.kind) {
        case 'project':
          return clients.projectIam.getIamPolicy(to.project);
        case 'service-account':
          return callGoogle({ action: 'get IAM policy of', resource }, async () => {
            const { data } = await clients.iam.projects.serviceAccounts.getIamPolicy({
              resource: to.name,
              'options.requestedPolicyVersion': IAM_POLICY_VERSION,
            });
            return data as IamPolicy;
          });
        case 'bucket':
          return callGoogle({ action: 'get IAM policy of', resource }, async () => {
            const { data } = await to.storage.requester.request<StoragePolicy>({
              url: `${bucketIamUrl(to)}?optionsRequestedPolicyVersion=${IAM_POLICY_VERSION}`,
            });
            return policyOnly(data);
          });
      }
    },

    async setIamPolicy(resource, policy) {
      const to = target(resource);
      switch (to.kind) {
        case 'project':
          await clients.projectIam.setIamPolicy(to.project, policy);
          return;
        case 'service-account':
          await callGoogle({ action: 'set IAM policy of', resource }, () =>
            clients.iam.projects.serviceAccounts.setIamPolicy({
              resource: to.name,
              requestBody: { policy: policy as iam_v1.Schema$Policy },
            }),
          );
          return;
        case 'bucket':
          // The etag in the body makes Cloud Storage refuse a stale write with 412, which
          // callGoogle classifies as a retryable precondition failure.
          await callGoogle({ action: 'set IAM policy of', resource }, () =>
            to.storage.requester.request<StoragePolicy>({
              url: bucketIamUrl(to),
              method: 'PUT',
              data: { ...policyOnly(policy), version: policy.version ?? IAM_POLICY_VERSION },
            }),
          );
          return;
      }
    },
  };
}

/** The writable part of a policy: Storage answers with `kind` and `resourceId` besides. */
function policyOnly(policy: StoragePolicy): IamPolicy {
  return {
    ...(policy.version !== undefined ? { version: policy.version } : {}),
    ...(policy.etag !== undefined ? { etag: policy.etag } : {}),
    bindings: policy.bindings ?? [],
  };
}
