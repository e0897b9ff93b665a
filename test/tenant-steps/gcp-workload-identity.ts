/**
 * A WorkloadIdentityApi (shared/steps/tenants.ts) over the official clients — @googleapis/iam
 * for service accounts and their policies, @google-cloud/resource-manager (through shared/gcp's
 * ProjectIamAdapter) for project policies — pointed at the GCP simulator. shared/gcp has no
 * adapter for this interface yet; this one is meant to move there. Storage bucket policies are
 * not simulated: such a resource is refused with a PermanentError.
 */
import { ProjectsClient } from '@google-cloud/resource-manager';
import { iam } from '@googleapis/iam';
import { PassThroughClient } from 'google-auth-library';
import { PermanentError } from '../../shared/errors.js';
import { callGoogle } from '../../shared/gcp/errors.js';
import { IamAdapter, ProjectIamAdapter } from '../../shared/gcp/iam.js';
import type { IamPolicy } from '../../shared/plan/gcp/iam.js';
import type { WorkloadIdentityApi } from '../../shared/steps/tenants.js';

const SA_RESOURCE = /^\/\/iam\.googleapis\.com\/(projects\/[^/]+\/serviceAccounts\/[^/]+)$/;
const PROJECT_RESOURCE = /^\/\/cloudresourcemanager\.googleapis\.com\/projects\/([^/]+)$/;

/** The adapter for a simulator at `url` (http://127.0.0.1:PORT). */
export function simulatedWorkloadIdentity(url: string): WorkloadIdentityApi {
  const auth = new PassThroughClient();
  const client = iam({ version: 'v1', rootUrl: `${url}/`, auth: auth as never });
  const accounts = new IamAdapter(client);
  const port = Number(new URL(url).port);
  const projects = new ProjectIamAdapter(
    new ProjectsClient({
      apiEndpoint: '127.0.0.1',
      port,
      protocol: 'http',
      fallback: true,
      authClient: auth as never,
    } as never),
  );
  const route = (resource: string) => {
    const sa = SA_RESOURCE.exec(resource);
    if (sa) return { kind: 'sa' as const, name: sa[1] as string };
    const project = PROJECT_RESOURCE.exec(resource);
    if (project) return { kind: 'project' as const, name: project[1] as string };
    throw new PermanentError('unsupported-resource', `no IAM adapter for ${resource}`, {
      resource,
    });
  };
  return {
    async listServiceAccounts(project) {
      const out: { email: string; description?: string }[] = [];
      let pageToken: string | undefined;
      do {
        const page = await callGoogle(
          { action: 'list service accounts of', resource: project },
          async () =>
            (await client.projects.serviceAccounts.list({ name: `projects/${project}`, pageToken }))
              .data,
        );
        for (const a of page.accounts ?? []) {
          if (a.email)
            out.push({ email: a.email, ...(a.description ? { description: a.description } : {}) });
        }
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      return out;
    },
    async createServiceAccount(project, accountId, details) {
      await accounts.createServiceAccount(project, { accountId, serviceAccount: details });
    },
    async deleteServiceAccount(project, email) {
      await accounts.deleteServiceAccount(project, email);
    },
    async getIamPolicy(resource) {
      const target = route(resource);
      if (target.kind === 'project') return projects.getIamPolicy(target.name);
      return callGoogle({ action: 'get IAM policy of', resource }, async () => {
        const { data } = await client.projects.serviceAccounts.getIamPolicy({
          resource: target.name,
          'options.requestedPolicyVersion': 3,
        });
        return data as IamPolicy;
      });
    },
    async setIamPolicy(resource, policy) {
      const target = route(resource);
      if (target.kind === 'project') {
        await projects.setIamPolicy(target.name, policy);
        return;
      }
      await callGoogle({ action: 'set IAM policy of', resource }, () =>
        client.projects.serviceAccounts.setIamPolicy({
          resource: target.name,
          requestBody: { policy: policy as never },
        }),
      );
    },
  };
}
