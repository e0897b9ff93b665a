/**
 * Issue 16 findings 9 and 11 (and the served-projects / immutable-fields part of 3), tried as an
 * attacker would: through the real functions-framework process, against the Firestore and
 * Pub/Sub emulators. Each refusal is JSON `{kind, reason, message, field?}` (no HTML, no stack)
 * and leaves Firestore as it was.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dumpFirestore } from '../support/firestore-dump.js';
import {
  environmentRequest,
  pullAll,
  startFunctionsTestEnv,
  type FunctionsTestEnv,
} from '../support/functions-env.js';
import {
  emulatorProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
let api: FrameworkProcess;
const LATE_TOPIC = 'environment-requests-late';

const envDoc = environmentRequest;

beforeAll(async () => {
  env = await startFunctionsTestEnv();
  api = await startFramework(
    'api',
    emulatorProcessEnv(env, {
      EGRESS_SERVED_PROJECTS: 'tutorial-project',
      EGRESS_MAX_BODY_BYTES: '4096',
      // Publishing fails until the test creates this topic: a publisher that fails once.
      EGRESS_ENVIRONMENT_REQUESTS_TOPIC: LATE_TOPIC,
    }),
  );
});
afterAll(async () => {
  await api?.stop();
  await env?.close();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: Record<string, unknown>;
}

/** A raw HTTP request (fetch would refuse a bad path or re-encode it). */
function send(
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: string | Buffer | (string | Buffer)[],
): Promise<Answer> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* left empty: the assertions on the body then fail */
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            body: parsed,
          });
        });
      },
    );
    req.on('error', reject);
    for (const part of Array.isArray(body) ? body : body === undefined ? [] : [body]) {
      req.write(part);
    }
    req.end();
  });
}

function expectJsonRefusal(answer: Answer, status: number, reason: string, field?: string) {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain('application/json');
  expect(answer.text).not.toMatch(/<html|<pre|\s+at \S+ \(|node_modules/i);
  expect(answer.body).toMatchObject({ reason, ...(field ? { field } : {}) });
  expect(typeof answer.body.kind).toBe('string');
  expect(typeof answer.body.message).toBe('string');
}

describe('the edge refuses what it cannot read, as JSON, changing nothing', () => {
  it('refuses malformed JSON, bad percent-encoding, wrong content types and oversize bodies', async () => {
    const before = await dumpFirestore(env.db);
    const json = { 'content-type': 'application/json' };

    expectJsonRefusal(
      await send('POST', '/v1/environments', json, '{"apiVersion": '),
      400,
      'malformed-json',
      'body',
    );
    expectJsonRefusal(
      await send('GET', '/v1/environments/%E0%A4%A', {}),
      400,
      'malformed-path',
      'path',
    );
    expectJsonRefusal(await send('GET', '/v1/runs/%zz', {}), 400, 'malformed-path', 'path');
    expectJsonRefusal(
      await send(
        'POST',
        '/v1/environments',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'apiVersion=egress.provisioner.dev%2Fv1alpha1',
      ),
      415,
      'unsupported-media-type',
      'Content-Type',
    );
    expectJsonRefusal(
      await send('POST', '/v1/environments', { 'content-type': 'application/octet-stream' }, 'x'),
      415,
      'unsupported-media-type',
      'Content-Type',
    );
    // Announced above the limit: refused before a byte of the body is read.
    expectJsonRefusal(
      await send('POST', '/v1/environments', { ...json, 'content-length': 10_000_000 }, '{'),
      413,
      'body-too-large',
      'body',
    );
    // Chunked (no length announced): refused as soon as the count passes the limit.
    expectJsonRefusal(
      await send('POST', '/v1/environments', { ...json, 'transfer-encoding': 'chunked' }, [
        '{"pad": "',
        'x'.repeat(8_000),
        '"}',
      ]),
      413,
      'body-too-large',
      'body',
    );
    expect(await dumpFirestore(env.db)).toEqual(before);
  });

  it('refuses an environment in a project the deployment does not serve (403)', async () => {
    const before = await dumpFirestore(env.db);
    const answer = await send(
      'POST',
      '/v1/environments',
      { 'content-type': 'application/json' },
      JSON.stringify(envDoc('elsewhere', { project: 'victim-project' })),
    );
    expectJsonRefusal(answer, 403, 'project-not-served', 'spec.project');
    expect(await dumpFirestore(env.db)).toEqual(before);
  });
});

describe('atomic starts and immutable identity', () => {
  it('a same-key retry after a failed publish publishes again instead of replaying a failure', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'start-once' };
    const body = JSON.stringify(envDoc());
    const failed = await send('POST', '/v1/environments', headers, body);
    expectJsonRefusal(failed, 503, 'publish-failed');
    // The internal error text (topic not found) stays in the log, not in the body.
    expect(failed.text).not.toMatch(/NOT_FOUND|not found|topic/i);
    const runs = await env.ctx.stores.runs.listByEnvironment('tutorial');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'PENDING' });
    expect(runs[0]!.publishedAt).toBeUndefined();

    const [topic] = await env.pubsub.createTopic(LATE_TOPIC);
    const [subscription] = await topic.createSubscription('late-check');
    const retried = await send('POST', '/v1/environments', headers, body);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ runId: runs[0]!.id, status: 'PENDING' });
    expect(await pullAll(env.pubsub, subscription)).toEqual([
      {
        data: { runId: runs[0]!.id, environmentId: 'tutorial', kind: 'provision' },
        attributes: { runId: runs[0]!.id, environment: 'tutorial', kind: 'provision' },
      },
    ]);
    expect((await env.ctx.stores.runs.get(runs[0]!.id))?.publishedAt).toBeDefined();
    // Published now: the next same-key retry replays (200), publishing nothing more.
    const replay = await send('POST', '/v1/environments', headers, body);
    expect(replay.status).toBe(200);
    expect(await pullAll(env.pubsub, subscription)).toEqual([]);
  });

  it('refuses a change of an identity field of an existing environment (409 immutable-field)', async () => {
    // The run above holds the environment; end it so only the identity rule can refuse.
    const [run] = await env.ctx.stores.runs.listByEnvironment('tutorial');
    await env.ctx.stores.environments.releaseLease('tutorial', run!.id);
    const before = await dumpFirestore(env.db);
    for (const [field, change] of [
      ['spec.project', { project: 'tutorial-project-2' }],
      ['spec.zone', { zone: 'us-central1-b' }],
      ['spec.cluster.name', { cluster: { name: 'cluster2' } }],
      ['spec.network.name', { network: { name: 'other-vpc' } }],
      ['spec.subnet.name', { subnet: { name: 'other-subnet' } }],
      ['spec.nat.routerName', { nat: { routerName: 'other-router' } }],
    ] as const) {
      const answer = await send(
        'POST',
        '/v1/environments',
        { 'content-type': 'application/json' },
        JSON.stringify(envDoc('tutorial', change)),
      );
      // A project outside the served ones is refused first (403); the others by the rule.
      if (field === 'spec.project') expectJsonRefusal(answer, 403, 'project-not-served', field);
      else expectJsonRefusal(answer, 409, 'immutable-field', field);
    }
    expect(await dumpFirestore(env.db)).toEqual(before);
  });
});
