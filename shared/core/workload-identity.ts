import type { IamPolicy } from '../plan/gcp/iam.js';

/** A Google service account as the tenants step sees it. */
export interface GoogleServiceAccount {
  email: string;
  description?: string;
}

/**
 * The IAM calls of Workload Identity, by full resource name (`//iam.googleapis.com/projects/P/
 * serviceAccounts/EMAIL`, `//storage.googleapis.com/projects/_/buckets/B`,
 * `//cloudresourcemanager.googleapis.com/projects/P`). The IamApi of gcp-apis.ts covers service
 * accounts of one kind of call only and has no resource policies, so the tenants step states
 * what it needs here; shared/gcp's workloadIdentityAdapter implements it. Errors are typed: an
 * etag race is `RetryableError('etag-conflict' | 'precondition-failed')`.
 */
export interface WorkloadIdentityApi {
  /** Every service account of the project. */
  listServiceAccounts(project: string): Promise<GoogleServiceAccount[]>;
  /** Creates an account; one that already exists is success. */
  createServiceAccount(
    project: string,
    accountId: string,
    details: { displayName: string; description: string },
  ): Promise<void>;
  /** Deletes an account; one already gone is success. */
  deleteServiceAccount(project: string, email: string): Promise<void>;
  /** The resource's IAM policy (version 3), with its etag. */
  getIamPolicy(resource: string): Promise<IamPolicy>;
  /** Writes a policy read by getIamPolicy; fails on a concurrent change (etag). */
  setIamPolicy(resource: string, policy: IamPolicy): Promise<void>;
}
