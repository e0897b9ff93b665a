import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFunctionsTestEnv, type FunctionsTestEnv } from '../support/functions-env.js';
import { startFramework, type FrameworkProcess } from '../support/functions-framework.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
let api: FrameworkProcess;

const envDoc = {
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' },
};

beforeAll(async () => {
  env = await startFunctionsTestEnv();
  api = await startFramework('api', {
    GOOGLE_CLOUD_PROJECT: env.projectId,
    FIRESTORE_EMULATOR_HOST: env.emulators.firestoreHost,
    PUBSUB_EMULATOR_HOST: env.emulators.pubsubHost,
    EGRESS_AUTH: 'disabled-local',
    EGRESS_SERVED_PROJECTS: 'tutorial-project',
    METADATA_SERVER_DETECTION: 'none',
    // As on Cloud Functions: the framework's own 400 for unparsable JSON then carries no stack.
    NODE_ENV: 'production',
  });
});
afterAll(async () => {
  await api?.stop();
  await env?.close();
});

describe('the api function in a functions-framework process', () => {
  it('creates one run for 10 concurrent identical POSTs with one Idempotency-Key', async () => {
    const post = () =>
      fetch(`${api.url}/v1/environments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'same-request' },
        body: JSON.stringify(envDoc),
      });
    const responses = await Promise.all(Array.from({ length: 10 }, post));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { runId: string }[];
    expect(responses.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 202,
    ]);
    expect(new Set(bodies.map((b) => b.runId)).size).toBe(1);
    expect(await env.ctx.stores.runs.listByEnvironment('tutorial')).toHaveLength(1);
  }, 60_000);

  it('answers unparsable JSON with a 400 that carries no stack trace', async () => {
    const res = await fetch(`${api.url}/v1/environments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"apiVersion": ',
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toMatch(/\s+at \S+ \(/);
    expect(text).not.toContain('node_modules');
  });
});
