/**
 * The product's WorkloadIdentityApi adapter (shared/gcp/workload-identity.ts) over official
 * clients pointed at the GCP simulator, built through the same client options the composition
 * roots use. Bucket policies go to the simulator's Cloud Storage JSON API subset, under its own
 * origin, as functions/compose-steps.ts sends them locally.
 */
import { ProjectsClient } from '@google-cloud/resource-manager';
import { iam } from '@googleapis/iam';
import {
  ProjectIamAdapter,
  workloadIdentityAdapter,
  clientOptions,
  type AuthorizedRequester,
} from '../../../../shared/gcp/index.js';
import type { WorkloadIdentityApi } from '../../../../shared/core/workload-identity.js';

/** The adapter for a simulator at `url` (http://127.0.0.1:PORT). */
export function simulatedWorkloadIdentity(url: string): WorkloadIdentityApi {
  const options = clientOptions({ mode: 'local', endpoint: url });
  return workloadIdentityAdapter({
    iam: iam({ version: 'v1', rootUrl: options.iamRootUrl, auth: options.localAuth as never }),
    projectIam: new ProjectIamAdapter(
      new ProjectsClient(options.gax as ConstructorParameters<typeof ProjectsClient>[0]),
    ),
    storage: { requester: options.localAuth as AuthorizedRequester, root: new URL(url).origin },
  });
}
