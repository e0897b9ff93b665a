import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  environmentRequest,
  startFunctionsTestEnv,
  type FunctionsTestEnv,
} from '../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let env: FunctionsTestEnv;
let api: FrameworkProcess;

const envDoc = environmentRequest();

beforeAll(async () => {
  env = await startFunctionsTestEnv();
  // As on Cloud Functions: the framework's own 400 for unparsable JSON then carries no stack.
  api = await startFramework(
    'api',
    productionProcessEnv(env, { EGRESS_SERVED_PROJECTS: 'tutorial-project' }),
  );
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
