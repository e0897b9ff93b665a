/**
 * The product's WorkloadIdentityApi adapter (shared/gcp/workload-identity.ts) over official
 * clients pointed at the GCP simulator, built through the same client options the composition
 * roots use. No storage target is given here, so these tests also show that a bucket grant
 * without one is refused with PermanentError('unsupported-resource').
 */
import { ProjectsClient } from '@google-cloud/resource-manager';
import { iam } from '@googleapis/iam';
import {
  ProjectIamAdapter,
  workloadIdentityAdapter,
  clientOptions,
} from '../../shared/gcp/index.js';
import type { WorkloadIdentityApi } from '../../shared/steps/tenants.js';

/** The adapter for a simulator at `url` (http://127.0.0.1:PORT). */
export function simulatedWorkloadIdentity(url: string): WorkloadIdentityApi {
  const options = clientOptions({ mode: 'local', endpoint: url });
  return workloadIdentityAdapter({
    iam: iam({ version: 'v1', rootUrl: options.iamRootUrl, auth: options.localAuth as never }),
    projectIam: new ProjectIamAdapter(
      new ProjectsClient(options.gax as ConstructorParameters<typeof ProjectsClient>[0]),
    ),
  });
}
