import { ProjectsClient } from '@google-cloud/resource-manager';
import { iam } from '@googleapis/iam';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { PermanentError, RetryableError } from '../../../shared/errors.js';
import {
  ProjectIamAdapter,
  clientOptions,
  workloadIdentityAdapter,
} from '../../../shared/gcp/index.js';
import { Gcloud } from './gcloud-helper.js';
import { call } from './sim-client.js';

/**
 * The Cloud Storage JSON API subset: buckets and bucket IAM policies, reached the way the
 * product's adapter reaches them (google-auth-library's request() with a PassThroughClient).
 */

const project = 'tutorial-project';
const bucket = 'tutorial-project-bucket';
const member = `serviceAccount:sa-test-app-team-x@${project}.iam.gserviceaccount.com`;

interface StoragePolicy {
  kind?: string;
  resourceId?: string;
  version?: number;
  etag?: string;
  bindings?: Array<{ role: string; members: string[] }>;
}

/** What a failed request() says: Storage's error body and the HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ status?: number; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown } }).response;
    return { status: response?.status, data: response?.data };
  }
  throw new Error('the request succeeded');
}

describe('Cloud Storage buckets and bucket IAM in the GCP simulator', { timeout: 30_000 }, () => {
  let sim: GcpSimulator;
  const auth = new PassThroughClient();
  const iamUrl = (name: string) => `${sim.url}/storage/v1/b/${name}/iam`;

  beforeAll(async () => {
    sim = await startGcpSimulator({ seed: { buckets: [{ name: bucket, project }] } });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    // Storage refuses members it cannot resolve: the service account must exist.
    const created = await call(sim, 'POST', `/v1/projects/${project}/serviceAccounts`, {
      accountId: 'sa-test-app-team-x',
    });
    expect(created.status).toBe(200);
  });

  it('starts with the seeded bucket and its default policy, and keeps it across reset()', async () => {
    const { data } = await auth.request<Record<string, unknown>>({
      url: `${sim.url}/storage/v1/b/${bucket}`,
    });
    expect(data).toMatchObject({
      kind: 'storage#bucket',
      name: bucket,
      id: bucket,
      selfLink: `${sim.url}/storage/v1/b/${bucket}`,
      location: 'US',
      metageneration: '1',
      iamConfiguration: { uniformBucketLevelAccess: { enabled: false } },
    });
    expect(data.projectNumber).toMatch(/^\d{12}$/);
    expect(Date.parse(String(data.timeCreated))).not.toBeNaN();
    const policy = await auth.request<StoragePolicy>({
      url: `${iamUrl(bucket)}?optionsRequestedPolicyVersion=3`,
    });
    expect(policy.data).toEqual({
      kind: 'storage#policy',
      resourceId: `projects/_/buckets/${bucket}`,
      version: 1,
      etag: 'CAE=',
      bindings: [
        {
          role: 'roles/storage.legacyBucketOwner',
          members: [`projectEditor:${project}`, `projectOwner:${project}`],
        },
        { role: 'roles/storage.legacyBucketReader', members: [`projectViewer:${project}`] },
      ],
    });
  });

  it('writes a policy read-modify-write with the etag (PUT), and refuses a stale etag with 412 conditionNotMet', async () => {
    const { data: read } = await auth.request<StoragePolicy>({ url: iamUrl(bucket) });
    const bindings = [
      ...(read.bindings ?? []),
      { role: 'roles/storage.objectViewer', members: [member] },
    ];
    const written = await auth.request<StoragePolicy>({
      url: iamUrl(bucket),
      method: 'PUT',
      data: { version: 3, etag: read.etag, bindings },
    });
    expect(written.data.etag).toBe('CAI=');
    expect(written.data.bindings).toContainEqual({
      role: 'roles/storage.objectViewer',
      members: [member],
    });
    const reread = await auth.request<StoragePolicy>({ url: iamUrl(bucket) });
    expect(reread.data).toEqual(written.data);
    const bucketAfter = await auth.request<{ metageneration: string }>({
      url: `${sim.url}/storage/v1/b/${bucket}`,
    });
    expect(bucketAfter.data.metageneration).toBe('2');

    // The first read's etag is stale now: Storage answers 412, not IAM's 409 ABORTED.
    const stale = await failure(
      auth.request({ url: iamUrl(bucket), method: 'PUT', data: { etag: read.etag, bindings } }),
    );
    expect(stale).toEqual({
      status: 412,
      data: {
        error: {
          code: 412,
          message: 'Precondition Failed',
          errors: [{ domain: 'global', message: 'Precondition Failed', reason: 'conditionNotMet' }],
        },
      },
    });
    expect(sim.counters.byMethod['storage.buckets.setIamPolicy']).toEqual({ reads: 0, writes: 2 });
  });

  it('answers 404 notFound in Storage error shape for a missing bucket, on get and on IAM', async () => {
    const expected = {
      status: 404,
      data: {
        error: {
          code: 404,
          message: 'The specified bucket does not exist.',
          errors: [
            {
              domain: 'global',
              message: 'The specified bucket does not exist.',
              reason: 'notFound',
            },
          ],
        },
      },
    };
    expect(await failure(auth.request({ url: `${sim.url}/storage/v1/b/no-such-bucket` }))).toEqual(
      expected,
    );
    expect(await failure(auth.request({ url: iamUrl('no-such-bucket') }))).toEqual(expected);
    expect(
      await failure(
        auth.request({
          url: iamUrl('no-such-bucket'),
          method: 'PUT',
          data: { bindings: [{ role: 'roles/storage.objectViewer', members: [member] }] },
        }),
      ),
    ).toEqual(expected);
  });

  it('refuses bad policies with 400 naming the problem', async () => {
    const noBindings = await failure(
      auth.request({ url: iamUrl(bucket), method: 'PUT', data: { bindings: [] } }),
    );
    expect(noBindings.status).toBe(400);
    expect(JSON.stringify(noBindings.data)).toContain('A policy to update must be provided.');
    const unknownAccount = await failure(
      auth.request({
        url: iamUrl(bucket),
        method: 'PUT',
        data: {
          bindings: [
            {
              role: 'roles/storage.objectViewer',
              members: [`serviceAccount:ghost-account@${project}.iam.gserviceaccount.com`],
            },
          ],
        },
      }),
    );
    expect(unknownAccount.status).toBe(400);
    expect(JSON.stringify(unknownAccount.data)).toContain(
      `Service account ghost-account@${project}.iam.gserviceaccount.com does not exist.`,
    );
    const unknownField = await failure(
      auth.request({ url: iamUrl(bucket), method: 'PUT', data: { bindingz: [] } }),
    );
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.data)).toContain('Unknown name \\"bindingz\\"');
  });

  it('inserts, lists and deletes buckets', async () => {
    const inserted = await auth.request<Record<string, unknown>>({
      url: `${sim.url}/storage/v1/b?project=${project}`,
      method: 'POST',
      data: { name: 'second-bucket', location: 'us-central1' },
    });
    expect(inserted.data).toMatchObject({ name: 'second-bucket', location: 'US-CENTRAL1' });
    const again = await failure(
      auth.request({
        url: `${sim.url}/storage/v1/b?project=${project}`,
        method: 'POST',
        data: { name: 'second-bucket' },
      }),
    );
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.data)).toContain('you already own it');
    const badName = await failure(
      auth.request({
        url: `${sim.url}/storage/v1/b?project=${project}`,
        method: 'POST',
        data: { name: 'Bad_Name!' },
      }),
    );
    expect(badName.status).toBe(400);
    expect(JSON.stringify(badName.data)).toContain("Invalid bucket name: 'Bad_Name!'");
    const noProject = await failure(
      auth.request({ url: `${sim.url}/storage/v1/b`, method: 'POST', data: { name: 'x-bucket' } }),
    );
    expect(noProject.status).toBe(400);
    expect(JSON.stringify(noProject.data)).toContain('Required parameter: project');

    const listed = await auth.request<{ items?: Array<{ name: string }> }>({
      url: `${sim.url}/storage/v1/b?project=${project}`,
    });
    expect(listed.data.items?.map((b) => b.name)).toEqual(['second-bucket', bucket]);
    const deleted = await auth.request({
      url: `${sim.url}/storage/v1/b/second-bucket`,
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    const after = await auth.request<{ items?: Array<{ name: string }> }>({
      url: `${sim.url}/storage/v1/b?project=${project}`,
    });
    expect(after.data.items?.map((b) => b.name)).toEqual([bucket]);
  });

  it('seeds through the admin endpoint idempotently, and refuses an invalid seed naming the field', async () => {
    const seed = { buckets: [{ name: 'extra-bucket', project }] };
    const first = await call(sim, 'POST', '/__admin/seed', seed);
    expect(first).toEqual({ status: 200, body: { created: ['bucket extra-bucket'] } });
    const second = await call(sim, 'POST', '/__admin/seed', seed);
    expect(second).toEqual({ status: 200, body: { created: [] } });
    const bad = await call(sim, 'POST', '/__admin/seed', { buckets: [{ name: 'x', project }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('buckets.0.name: must be a Cloud Storage bucket name');
    await expect(
      startGcpSimulator({ seed: { buckets: [{ name: bucket, project: 'Bad Project' }] } }),
    ).rejects.toThrow(/buckets\.0\.project: must be a project id/);
  });
});

describe(
  'the workload identity adapter against the simulated Storage API',
  { timeout: 30_000 },
  () => {
    let sim: GcpSimulator;
    beforeAll(async () => {
      sim = await startGcpSimulator({ seed: { buckets: [{ name: bucket, project }] } });
      await call(sim, 'POST', `/v1/projects/${project}/serviceAccounts`, {
        accountId: 'sa-test-app-team-x',
      });
    });
    afterAll(async () => {
      await sim.close();
    });

    /** The adapter wired as functions/compose-steps.ts wires it for a local target. */
    function adapter() {
      const options = clientOptions({ mode: 'local', endpoint: sim.url });
      return workloadIdentityAdapter({
        iam: iam({ version: 'v1', rootUrl: options.iamRootUrl, auth: options.localAuth as never }),
        projectIam: new ProjectIamAdapter(
          new ProjectsClient(options.gax as ConstructorParameters<typeof ProjectsClient>[0]),
        ),
        storage: { requester: options.localAuth!, root: sim.url },
      });
    }

    it('grants on a bucket, and a stale write is retryable', async () => {
      const api = adapter();
      const resource = `//storage.googleapis.com/projects/_/buckets/${bucket}`;
      const read = await api.getIamPolicy(resource);
      const bindings = [
        ...read.bindings!,
        { role: 'roles/storage.objectViewer', members: [member] },
      ];
      await api.setIamPolicy(resource, { ...read, bindings });
      const after = await api.getIamPolicy(resource);
      expect(after.bindings).toContainEqual({
        role: 'roles/storage.objectViewer',
        members: [member],
      });
      const stale = await api
        .setIamPolicy(resource, { ...read, bindings })
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(RetryableError);
      expect((stale as RetryableError).reason).toBe('precondition-failed');
    });

    it('answers a missing bucket with a PermanentError naming it', async () => {
      const resource = '//storage.googleapis.com/projects/_/buckets/missing-bucket';
      const error = await adapter()
        .getIamPolicy(resource)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ reason: 'not-found', options: { resource } });
      expect((error as Error).message).toContain('missing-bucket');
      expect((error as Error).message).toContain('The specified bucket does not exist.');
    });
  },
);

describe('gcloud storage against the simulator (what a user inspects)', { timeout: 60_000 }, () => {
  let sim: GcpSimulator;
  let gcloud: Gcloud;
  beforeAll(async () => {
    sim = await startGcpSimulator({ seed: { buckets: [{ name: bucket, project }] } });
    gcloud = new Gcloud(sim.url, project);
  });
  afterAll(async () => {
    gcloud.cleanup();
    await sim.close();
  });

  it('describes the seeded bucket and reads its IAM policy; a missing bucket fails', async () => {
    const described = await gcloud.json<{ name: string; location: string }>([
      'storage',
      'buckets',
      'describe',
      `gs://${bucket}`,
    ]);
    expect(described).toMatchObject({ name: bucket, location: 'US' });
    const policy = await gcloud.json<{ etag: string; bindings: Array<{ role: string }> }>([
      'storage',
      'buckets',
      'get-iam-policy',
      `gs://${bucket}`,
    ]);
    expect(policy.etag).toBe('CAE=');
    expect(policy.bindings.map((b) => b.role)).toEqual([
      'roles/storage.legacyBucketOwner',
      'roles/storage.legacyBucketReader',
    ]);
    expect(await gcloud.fails(['storage', 'buckets', 'describe', 'gs://no-such-bucket'])).toMatch(
      /not found|does not exist|404/i,
    );
  });
});
