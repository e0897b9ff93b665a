import type { ProjectsClient } from '@google-cloud/resource-manager';
import type { iam_v1 } from '@googleapis/iam';
import type { IamPolicy } from '../plan/gcp/iam.js';
import { IAM_POLICY_VERSION } from '../plan/gcp/iam.js';
import { callGoogle } from './errors.js';
import { plainJson } from './plain.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type GcpResource,
  type IamApi,
  type ProjectIamApi,
} from '../core/gcp-apis.js';

/** {@link IamApi} over `@googleapis/iam` (iam v1 service accounts). */
export class IamAdapter implements IamApi {
  constructor(private readonly client: iam_v1.Iam) {}

  private name(project: string, email: string): string {
    return `projects/${project}/serviceAccounts/${email}`;
  }

  async getServiceAccount(project: string, email: string): Promise<GcpResource | undefined> {
    const name = this.name(project, email);
    const found = await callGoogle(
      { action: 'get service account', resource: name },
      async () => (await this.client.projects.serviceAccounts.get({ name })).data,
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : plainJson(found);
  }

  async createServiceAccount(
    project: string,
    body: { accountId: string; serviceAccount: object },
  ): Promise<GcpResource | typeof ALREADY_EXISTS> {
    return callGoogle(
      {
        action: 'create service account',
        resource: `projects/${project}/serviceAccounts/${body.accountId}`,
      },
      async () =>
        plainJson(
          (
            await this.client.projects.serviceAccounts.create({
              name: `projects/${project}`,
              requestBody: body,
            })
          ).data,
        ),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async patchServiceAccount(
    project: string,
    email: string,
    fields: { displayName?: string; description?: string },
  ): Promise<void> {
    const name = this.name(project, email);
    await callGoogle({ action: 'patch service account', resource: name }, () =>
      this.client.projects.serviceAccounts.patch({
        name,
        requestBody: { serviceAccount: fields, updateMask: Object.keys(fields).join(',') },
      }),
    );
  }

  async deleteServiceAccount(
    project: string,
    email: string,
  ): Promise<'deleted' | typeof NOT_FOUND> {
    const name = this.name(project, email);
    return callGoogle(
      { action: 'delete service account', resource: name },
      async () => {
        await this.client.projects.serviceAccounts.delete({ name });
        return 'deleted' as const;
      },
      { onNotFound: () => NOT_FOUND },
    );
  }
}

/** An etag as text: the gax clients carry it as bytes, the plan (and JSON) as base64. */
function etagText(etag: unknown): string | undefined {
  if (etag === undefined || etag === null) return undefined;
  if (etag instanceof Uint8Array) return Buffer.from(etag).toString('base64');
  return String(etag);
}

/** {@link ProjectIamApi} over `@google-cloud/resource-manager`'s ProjectsClient (v3). */
export class ProjectIamAdapter implements ProjectIamApi {
  constructor(private readonly client: ProjectsClient) {}

  private fromClient(policy: unknown): IamPolicy {
    const raw = policy as { etag?: unknown; version?: number | null; bindings?: unknown[] | null };
    const plain = plainJson({ ...raw, etag: undefined });
    const bindings = ((plain.bindings as Record<string, unknown>[] | undefined) ?? []).map(
      (binding) => {
        const out: Record<string, unknown> = { role: binding.role, members: binding.members ?? [] };
        if (binding.condition) out.condition = binding.condition;
        return out;
      },
    );
    const etag = etagText(raw.etag);
    return {
      version: Number(plain.version ?? 1),
      bindings: bindings as unknown as IamPolicy['bindings'],
      ...(etag ? { etag } : {}),
    };
  }

  async getIamPolicy(project: string): Promise<IamPolicy> {
    const resource = `projects/${project}`;
    return callGoogle({ action: 'get IAM policy of', resource }, async () =>
      this.fromClient(
        (
          await this.client.getIamPolicy({
            resource,
            options: { requestedPolicyVersion: IAM_POLICY_VERSION },
          })
        )[0],
      ),
    );
  }

  async setIamPolicy(project: string, policy: IamPolicy): Promise<IamPolicy> {
    const resource = `projects/${project}`;
    return callGoogle({ action: 'set IAM policy of', resource }, async () => {
      const [written] = await this.client.setIamPolicy({
        resource,
        policy: {
          version: policy.version ?? IAM_POLICY_VERSION,
          bindings: policy.bindings ?? [],
          ...(policy.etag ? { etag: Buffer.from(policy.etag, 'base64') } : {}),
        } as never,
        updateMask: { paths: ['bindings', 'etag'] },
      });
      return this.fromClient(written);
    });
  }
}
