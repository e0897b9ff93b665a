import { GoogleApiError } from '../api-error.js';
import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import { ORIGIN, type Json, type SimStore } from '../store.js';
import { checkServiceAccountMember } from './iam-policy.js';
import { checkRoleExists } from './iam-roles.js';

/**
 * Cloud Storage JSON API v1, the bucket subset: buckets get/insert/list/delete and bucket IAM
 * policies. The product never creates buckets (tenants bring their own, as the tutorial's
 * `gsutil mb` does): they come from the simulator's seed, or from `buckets.insert` in a test.
 *
 * Storage differs from the One-Platform IAM APIs in three ways the adapter depends on: the
 * policy is read with GET and written with PUT on `b/BUCKET/iam` (the body is the policy
 * itself), the etag is the bucket's metageneration (`CAE=` is 1), and a stale etag answers
 * 412 `conditionNotMet`, not 409 ABORTED.
 */

const BUCKETS = 'storage.buckets';
const POLICIES = 'storage.policies';

/** Storage's bucket-name rule (the common case: no dots-as-domain or `goog` checks beyond this). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9_.-]{1,220}[a-z0-9]$/;

/** What a seed or `buckets.insert` needs to make a bucket. */
export interface BucketInput {
  name: string;
  project: string;
  /** Upper-cased like Storage does; default `US`. */
  location?: string;
}

/** The etag Storage derives from a metageneration: base64 of the protobuf varint field 1. */
function metagenerationEtag(metageneration: number): string {
  const bytes = [0x08];
  let value = metageneration;
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return Buffer.from(bytes).toString('base64');
}

function bucketNotFound(): GoogleApiError {
  return new GoogleApiError(404, 'The specified bucket does not exist.', { reason: 'notFound' });
}

function requiredParameter(name: string): GoogleApiError {
  return new GoogleApiError(400, `Required parameter: ${name}`, { reason: 'required' });
}

function invalidBucketName(name: string): GoogleApiError {
  return new GoogleApiError(400, `Invalid bucket name: '${name}'`, { reason: 'invalid' });
}

/** Whether Storage would accept a bucket name. */
export function isValidBucketName(name: string): boolean {
  return name.length <= 63 && BUCKET_NAME.test(name) && !name.startsWith('goog');
}

/**
 * Creates a bucket with a fresh project's default policy (legacy owner/reader roles on the
 * project's conventional members), or throws Storage's 409 when the name is taken.
 */
export function createBucket(store: SimStore, input: BucketInput): Json {
  if (!isValidBucketName(input.name)) throw invalidBucketName(input.name);
  const existing = store.get(BUCKETS, input.name);
  if (existing) {
    throw new GoogleApiError(
      409,
      existing.__project === input.project
        ? 'Your previous request to create the named bucket succeeded and you already own it.'
        : 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
      { reason: 'conflict' },
    );
  }
  const now = store.timestamp();
  const bucket: Json = {
    kind: 'storage#bucket',
    selfLink: `${ORIGIN}/storage/v1/b/${input.name}`,
    id: input.name,
    name: input.name,
    projectNumber: store.projectNumber(input.project),
    metageneration: '1',
    location: (input.location ?? 'US').toUpperCase(),
    storageClass: 'STANDARD',
    etag: metagenerationEtag(1),
    timeCreated: now,
    updated: now,
    iamConfiguration: {
      bucketPolicyOnly: { enabled: false },
      uniformBucketLevelAccess: { enabled: false },
      publicAccessPrevention: 'inherited',
    },
    locationType: (input.location ?? 'US').includes('-') ? 'region' : 'multi-region',
    rpo: 'DEFAULT',
    __project: input.project,
  };
  store.put(BUCKETS, input.name, bucket);
  store.put(POLICIES, input.name, {
    version: 1,
    bindings: [
      {
        role: 'roles/storage.legacyBucketOwner',
        members: [`projectEditor:${input.project}`, `projectOwner:${input.project}`],
      },
      { role: 'roles/storage.legacyBucketReader', members: [`projectViewer:${input.project}`] },
    ],
  });
  return bucket;
}

/** A bucket without the simulator's bookkeeping fields. */
function visible(bucket: Json): Json {
  return Object.fromEntries(Object.entries(bucket).filter(([key]) => !key.startsWith('__')));
}

function findBucket(req: SimRequest): Json {
  const bucket = req.store.get(BUCKETS, req.params.bucket ?? '');
  if (!bucket) throw bucketNotFound();
  return bucket;
}

function renderPolicy(bucket: Json, policy: Json): Json {
  return {
    kind: 'storage#policy',
    resourceId: `projects/_/buckets/${String(bucket.name)}`,
    version: policy.version,
    etag: bucket.etag,
    bindings: policy.bindings,
  };
}

const memberPattern =
  /^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain|principal|principalSet|projectOwner|projectEditor|projectViewer|deleted:user|deleted:serviceAccount|deleted:group):.+)$/;

function invalidArgument(message: string): GoogleApiError {
  return new GoogleApiError(400, message, { reason: 'invalid' });
}

/** Checks a policy write the way Storage does and returns what it stores. */
function checkPolicy(store: SimStore, bucket: Json, body: Json): Json {
  const bindings = (body.bindings as Json[] | undefined) ?? [];
  if (bindings.length === 0) {
    throw new GoogleApiError(400, 'A policy to update must be provided.', { reason: 'required' });
  }
  bindings.forEach((binding, i) => {
    checkRoleExists(store, String(binding.role ?? ''), String(bucket.__project ?? ''));
    for (const member of (binding.members as string[] | undefined) ?? []) {
      if (!memberPattern.test(member)) throw invalidArgument(`Invalid argument: member ${member}`);
      if (member.startsWith('serviceAccount:')) {
        checkServiceAccountMember(store, member, `bindings[${i}].members`, (message) =>
          invalidArgument(message),
        );
      }
    }
  });
  const hasConditions = bindings.some((b) => b.condition !== undefined);
  const ubla = (bucket.iamConfiguration as Json).uniformBucketLevelAccess as Json;
  if (hasConditions && (Number(body.version ?? 1) < 3 || ubla.enabled !== true)) {
    throw invalidArgument(
      'IAM conditions require policy version 3 and uniform bucket-level access enabled on the bucket.',
    );
  }
  return {
    version: hasConditions ? 3 : 1,
    bindings: bindings.filter((b) => ((b.members as string[] | undefined) ?? []).length > 0),
  };
}

/** Cloud Storage JSON API handlers by method id. */
export const storageHandlers: HandlerTable = {
  'storage.buckets.get': (req) => ok(visible(findBucket(req))),

  'storage.buckets.insert': (req) => {
    const project = req.query.get('project');
    if (!project) throw requiredParameter('project');
    const name = typeof req.body.name === 'string' ? req.body.name : '';
    if (!name) throw requiredParameter('bucket.name');
    const location = typeof req.body.location === 'string' ? req.body.location : undefined;
    return ok(
      visible(createBucket(req.store, { name, project, ...(location ? { location } : {}) })),
    );
  },

  'storage.buckets.list': (req) => {
    const project = req.query.get('project');
    if (!project) throw requiredParameter('project');
    const prefix = req.query.get('prefix') ?? '';
    const items = req.store
      .list(BUCKETS)
      .filter((b) => b.__project === project && String(b.name).startsWith(prefix))
      .map(visible);
    return ok({ kind: 'storage#buckets', ...(items.length > 0 ? { items } : {}) });
  },

  'storage.buckets.delete': (req) => {
    const bucket = findBucket(req);
    req.store.remove(BUCKETS, String(bucket.name));
    req.store.remove(POLICIES, String(bucket.name));
    // Storage answers an empty 204.
    return { status: 204, body: undefined };
  },

  'storage.buckets.getIamPolicy': (req) => {
    const bucket = findBucket(req);
    return ok(renderPolicy(bucket, req.store.get(POLICIES, String(bucket.name)) ?? {}));
  },

  'storage.buckets.setIamPolicy': (req) => {
    const bucket = findBucket(req);
    // An etag is optional (last writer wins without one); a stale one is a failed precondition.
    if (req.body.etag !== undefined && req.body.etag !== bucket.etag) {
      throw new GoogleApiError(412, 'Precondition Failed', {
        status: 'FAILED_PRECONDITION',
        reason: 'conditionNotMet',
      });
    }
    const policy = checkPolicy(req.store, bucket, req.body);
    const metageneration = Number(bucket.metageneration) + 1;
    const updated: Json = {
      ...bucket,
      metageneration: String(metageneration),
      etag: metagenerationEtag(metageneration),
      updated: req.store.timestamp(),
    };
    req.store.put(BUCKETS, String(bucket.name), updated);
    req.store.put(POLICIES, String(bucket.name), policy);
    return ok(renderPolicy(updated, policy));
  },
};
