import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { TokenIssuer, accessTokenPrincipal } from '../../../local/metadata/index.js';
import { startTestEmulators, type TestEmulators } from '../../support/emulators.js';
import { gcloudEnvironment } from './gcloud-helper.js';

const run = promisify(execFile);

/**
 * The simulator's Pub/Sub API in front of Google's emulator: topics and subscriptions live in
 * the emulator, topic IAM and the authorization of publish in the simulator. Google's rules:
 * https://cloud.google.com/pubsub/docs/access-control (publish needs pubsub.topics.publish on
 * the topic or an ancestor; roles/pubsub.publisher grants it), refusals as Pub/Sub words them
 * (401 UNAUTHENTICATED without credentials, 403 PERMISSION_DENIED "User not authorized to
 * perform this action.").
 */

let emulators: TestEmulators;
let sim: GcpSimulator;
const issuer = new TokenIssuer();
let project: string;
const topic = 'tenants-tutorial';

const bearer = (email: string) => ({
  authorization: `Bearer ${issuer.accessToken(email).access_token}`,
});

/** The fields of Pub/Sub's answers (and error bodies) these tests read. */
interface Answer {
  error: { code: number; status: string; message: string; details?: unknown[] };
  etag?: string;
  bindings?: Array<{ role: string; members: string[] }>;
  messageIds?: string[];
  permissions?: string[];
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${sim.url}/v1/${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const message = { messages: [{ data: Buffer.from('{"kind":"Tenant"}').toString('base64') }] };
const topicPath = () => `projects/${project}/topics/${topic}`;

beforeAll(async () => {
  emulators = await startTestEmulators();
  sim = await startGcpSimulator({
    pubsubEmulatorHost: emulators.pubsubHost,
    verifyAccessToken: accessTokenPrincipal(issuer.jwks()),
  });
  project = emulators.newProjectId('pubsub-iam');
  expect((await call('PUT', topicPath(), {})).status).toBe(200);
  expect(
    (await call('PUT', `projects/${project}/subscriptions/intake`, { topic: topicPath() })).status,
  ).toBe(200);
});

afterAll(async () => {
  await sim?.close();
  await emulators?.stop();
});

describe('publish is authorized against topic and project IAM', () => {
  it('refuses a publish without credentials with 401 UNAUTHENTICATED', async () => {
    const answer = await call('POST', `${topicPath()}:publish`, message);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(answer.body.error.message).toMatch(/^Request is missing required authentication/);
  });

  it('refuses a token the local metadata server did not sign with 401', async () => {
    const forged = new TokenIssuer().accessToken('alice@example.com').access_token;
    const answer = await call('POST', `${topicPath()}:publish`, message, {
      authorization: `Bearer ${forged}`,
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toMatch(/^Request had invalid authentication credentials/);
  });

  it('refuses a caller without pubsub.topics.publish with 403, naming the permission', async () => {
    const answer = await call(
      'POST',
      `${topicPath()}:publish`,
      message,
      bearer('mallory@example.com'),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: 'User not authorized to perform this action.',
    });
    expect(answer.body.error.details).toContainEqual(
      expect.objectContaining({
        reason: 'IAM_PERMISSION_DENIED',
        metadata: expect.objectContaining({ permission: 'pubsub.topics.publish' }),
      }),
    );
    // Nothing reached the emulator.
    const pulled = await fetch(
      `http://${emulators.pubsubHost}/v1/projects/${project}/subscriptions/intake:pull`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ maxMessages: 10, returnImmediately: true }),
      },
    );
    expect(
      ((await pulled.json()) as { receivedMessages?: unknown[] }).receivedMessages,
    ).toBeUndefined();
  });

  it('lets a roles/pubsub.publisher of the topic publish, and the message reaches the emulator', async () => {
    const read = await call('GET', `${topicPath()}:getIamPolicy`);
    expect(read.status).toBe(200);
    const written = await call('POST', `${topicPath()}:setIamPolicy`, {
      policy: {
        etag: read.body.etag,
        bindings: [{ role: 'roles/pubsub.publisher', members: ['user:alice@example.com'] }],
      },
    });
    expect(written.status).toBe(200);
    expect(written.body.bindings).toEqual([
      { role: 'roles/pubsub.publisher', members: ['user:alice@example.com'] },
    ]);
    const published = await call(
      'POST',
      `${topicPath()}:publish`,
      message,
      bearer('Alice@Example.com'),
    );
    expect(published.status).toBe(200);
    expect(published.body.messageIds).toHaveLength(1);
    // A subscriber role does not publish.
    expect(
      (await call('POST', `${topicPath()}:publish`, message, bearer('bob@example.com'))).status,
    ).toBe(403);
    const tested = await call(
      'POST',
      `${topicPath()}:testIamPermissions`,
      { permissions: ['pubsub.topics.publish', 'pubsub.topics.delete'] },
      bearer('alice@example.com'),
    );
    expect(tested.body).toEqual({ permissions: ['pubsub.topics.publish'] });
  });

  it('honours a publisher role bound on the project', async () => {
    const policy = await call('POST', `projects/${project}:getIamPolicy`, {});
    expect(policy.status).toBe(200);
    const set = await call('POST', `projects/${project}:setIamPolicy`, {
      policy: {
        etag: policy.body.etag,
        bindings: [{ role: 'roles/pubsub.editor', members: ['user:carol@example.com'] }],
      },
    });
    expect(set.status).toBe(200);
    expect(
      (await call('POST', `${topicPath()}:publish`, message, bearer('carol@example.com'))).status,
    ).toBe(200);
  });

  it('refuses an unknown role and a missing topic as Pub/Sub does', async () => {
    const read = await call('GET', `${topicPath()}:getIamPolicy`);
    const typo = await call('POST', `${topicPath()}:setIamPolicy`, {
      policy: {
        etag: read.body.etag,
        bindings: [{ role: 'roles/pubsub.publsher', members: ['user:alice@example.com'] }],
      },
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error.status).toBe('INVALID_ARGUMENT');
    const missing = await call('GET', `projects/${project}/topics/no-such-topic:getIamPolicy`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.status).toBe('NOT_FOUND');
  });

  it('forgets a deleted topic’s policy: the same name made again has none', async () => {
    const name = `projects/${project}/topics/short-lived`;
    await call('PUT', name, {});
    const read = await call('GET', `${name}:getIamPolicy`);
    await call('POST', `${name}:setIamPolicy`, {
      policy: {
        etag: read.body.etag,
        bindings: [{ role: 'roles/pubsub.publisher', members: ['user:alice@example.com'] }],
      },
    });
    expect((await call('DELETE', name)).status).toBe(200);
    await call('PUT', name, {});
    expect((await call('GET', `${name}:getIamPolicy`)).body.bindings).toBeUndefined();
  });
});

describe('with enforcement off', () => {
  it('publishes without credentials (debugging only)', async () => {
    const open = await startGcpSimulator({
      pubsubEmulatorHost: emulators.pubsubHost,
      enforceIam: false,
    });
    try {
      const answer = await fetch(`${open.url}/v1/${topicPath()}:publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
      });
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('gcloud against the Pub/Sub API', () => {
  it('publishes with the caller’s access token, and is refused without the role', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pubsub-gcloud-'));
    const tokenFile = (email: string) => {
      const file = join(dir, `${email}.token`);
      writeFileSync(file, issuer.accessToken(email).access_token);
      return file;
    };
    const gcloud = (email: string, args: string[]) =>
      run('gcloud', args, {
        env: {
          ...gcloudEnvironment(sim.url, project, dir),
          // A user's token instead of no credentials: the simulator checks who publishes.
          CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'false',
          CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile(email),
        },
        timeout: 60_000,
      });
    try {
      const ok = await gcloud('alice@example.com', [
        'pubsub',
        'topics',
        'publish',
        topic,
        '--message={"kind":"Tenant"}',
        '--format=json',
      ]);
      expect(JSON.parse(ok.stdout)).toMatchObject({ messageIds: [expect.any(String)] });
      const refused = await gcloud('mallory@example.com', [
        'pubsub',
        'topics',
        'publish',
        topic,
        '--message={}',
      ]).catch((error: { stderr?: string }) => error);
      expect((refused as { stderr?: string }).stderr).toMatch(
        /PERMISSION_DENIED: User not authorized to perform this action/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
