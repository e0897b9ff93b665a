/**
 * The Workload Identity adapter's bucket path and refusals, request by request: a small
 * 127.0.0.1 server answers the Storage JSON API's two IAM methods (`GET|PUT storage/v1/b/B/iam`)
 * and records exactly what the adapter sent, and can answer what the GCP simulator never does
 * (a 403). The adapter reaches it through a real google-auth-library requester. Service accounts,
 * project policies and the real bucket grant of team-x (the simulator serves Storage bucket IAM)
 * are covered against the GCP simulator in test/shared/steps/tenants.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { iam } from '@googleapis/iam';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../shared/errors.js';
import { workloadIdentityAdapter, type ProjectIamApi } from '../../../shared/gcp/index.js';
import type { IamPolicy } from '../../../shared/plan/gcp/iam.js';

const BUCKET = '//storage.googleapis.com/projects/_/buckets/tutorial-project-bucket';

interface Seen {
  method: string;
  url: string;
  body?: unknown;
}

let server: Server;
let root: string;
const seen: Seen[] = [];
let stored: { etag: string; version: number; bindings: IamPolicy['bindings'] };
let forbid = false;

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      seen.push({ method: req.method ?? '', url: req.url ?? '', ...(body ? { body } : {}) });
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (!req.url?.startsWith('/storage/v1/b/tutorial-project-bucket/iam')) {
        return answer(404, { error: { code: 404, message: 'Not Found' } });
      }
      if (forbid) {
        return answer(403, {
          error: {
            code: 403,
            message: 'caller does not have storage.buckets.getIamPolicy access',
            errors: [{ reason: 'forbidden' }],
          },
        });
      }
      const policy = {
        kind: 'storage#policy',
        resourceId: 'projects/_/buckets/tutorial-project-bucket',
        ...stored,
      };
      if (req.method === 'GET') return answer(200, policy);
      const wanted = body as { etag?: string; version?: number; bindings?: IamPolicy['bindings'] };
      if (wanted.etag !== stored.etag) {
        return answer(412, {
          error: {
            code: 412,
            message: 'At least one of the pre-conditions you specified did not hold.',
            errors: [{ reason: 'conditionNotMet' }],
          },
        });
      }
      const next = Number(Buffer.from(stored.etag, 'base64').toString()) + 1;
      stored = {
        etag: Buffer.from(String(next)).toString('base64'),
        version: wanted.version ?? 1,
        bindings: wanted.bindings ?? [],
      };
      return answer(200, { kind: 'storage#policy', ...stored });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  forbid = false;
  stored = {
    etag: Buffer.from('1').toString('base64'),
    version: 1,
    bindings: [{ role: 'roles/storage.admin', members: ['group:admins@example.com'] }],
  };
});

/** Project policies are not this suite's subject: any call to them fails the test. */
const noProjectCalls: ProjectIamApi = {
  getIamPolicy: () => Promise.reject(new Error('unexpected project policy read')),
  setIamPolicy: () => Promise.reject(new Error('unexpected project policy write')),
};

function adapter(withStorage = true) {
  const auth = new PassThroughClient();
  return workloadIdentityAdapter({
    iam: iam({ version: 'v1', rootUrl: `${root}/`, auth: auth as never }),
    projectIam: noProjectCalls,
    ...(withStorage ? { storage: { requester: auth, root } } : {}),
  });
}

describe('workloadIdentityAdapter: bucket policies over the Storage JSON API', () => {
  it('reads a bucket policy as version 3 and returns only the policy fields', async () => {
    const policy = await adapter().getIamPolicy(BUCKET);
    expect(policy).toEqual({
      version: 1,
      etag: stored.etag,
      bindings: [{ role: 'roles/storage.admin', members: ['group:admins@example.com'] }],
    });
    expect(seen).toEqual([
      {
        method: 'GET',
        url: '/storage/v1/b/tutorial-project-bucket/iam?optionsRequestedPolicyVersion=3',
      },
    ]);
  });

  it('writes with the etag it read, as PUT with the policy body', async () => {
    const api = adapter();
    const read = await api.getIamPolicy(BUCKET);
    const bindings = [
      ...(read.bindings ?? []),
      {
        role: 'roles/storage.objectViewer',
        members: ['serviceAccount:sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com'],
      },
    ];
    await api.setIamPolicy(BUCKET, { ...read, bindings });
    expect(seen[1]).toEqual({
      method: 'PUT',
      url: '/storage/v1/b/tutorial-project-bucket/iam',
      body: { version: 1, etag: read.etag, bindings },
    });
    expect(stored.bindings).toEqual(bindings);
  });

  it('turns a stale etag (412) into a retryable precondition failure', async () => {
    const api = adapter();
    const read = await api.getIamPolicy(BUCKET);
    stored.etag = Buffer.from('7').toString('base64');
    const write = api.setIamPolicy(BUCKET, read);
    await expect(write).rejects.toBeInstanceOf(RetryableError);
    await expect(write).rejects.toMatchObject({ reason: 'precondition-failed' });
    expect(stored.bindings).toEqual([
      { role: 'roles/storage.admin', members: ['group:admins@example.com'] },
    ]);
  });

  it('turns a denied read (403) into a permanent permission-denied naming the resource', async () => {
    forbid = true;
    const read = adapter().getIamPolicy(BUCKET);
    await expect(read).rejects.toBeInstanceOf(PermanentError);
    await expect(read).rejects.toMatchObject({
      reason: 'permission-denied',
      options: { resource: BUCKET },
    });
  });
});

describe('workloadIdentityAdapter: resources it cannot grant on', () => {
  it('refuses a bucket grant where no Cloud Storage API is configured', async () => {
    const read = adapter(false).getIamPolicy(BUCKET);
    await expect(read).rejects.toBeInstanceOf(PermanentError);
    await expect(read).rejects.toMatchObject({
      reason: 'unsupported-resource',
      message: `cannot grant on ${BUCKET}: this deployment has no Cloud Storage API configured; grant on a project instead`,
      options: { resource: BUCKET, field: 'spec.workloadIdentity[].grants[].resource' },
    });
    expect(seen).toEqual([]);
  });

  it('refuses a resource type it has no API for, before any call', async () => {
    const dataset = '//bigquery.googleapis.com/projects/p/datasets/d';
    const write = adapter().setIamPolicy(dataset, { bindings: [] });
    await expect(write).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'unsupported-resource',
      message: expect.stringContaining(`cannot grant on ${dataset}: supported resources are`),
    });
    expect(seen).toEqual([]);
  });
});
