/**
 * Issue 16 finding 13 (token destination), tried as an attacker would: whoever can write a run's
 * stored step outputs points `upstream.cluster.endpoint` at a listener of theirs, hoping the
 * Kubernetes steps send the service's token there. The step function runs in the real
 * functions-framework process (test/support/functions-framework.ts) against the Firestore and
 * Pub/Sub emulators, the GCP simulator and the Kubernetes simulator its cluster serves: the
 * token never reaches the listener, and the step talks to the endpoint the Container API
 * reports for the environment's own cluster. Finding 8 (the workflows account's permissions) is
 * held by test/deploy/coverage.test.ts ("least privilege of the workflows' own calls").
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GcpSimulator } from '../../local/gcp/index.js';
import type { KubeSimulator } from '../../local/kube/index.js';
import { getTestServer, type FunctionsContext } from '../../functions/testing.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import type { FunctionsTestEnv } from '../support/functions-env.js';
import {
  productionProcessEnv,
  startFramework,
  type FrameworkProcess,
} from '../support/functions-framework.js';
import {
  driveStepFunction as driveStep,
  startProvisionRun,
  startTutorialStack,
  tutorialExample,
  type TutorialStack,
} from '../support/tutorial-stack.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const environmentDoc = tutorialExample('environment') as object;

let stack: TutorialStack | undefined;
let env: FunctionsTestEnv;
let ctx: FunctionsContext;
let gcp: GcpSimulator;
let meshConfig: FrameworkProcess | undefined;
let attacker: Server;
const seen: { url: string; authorization: string }[] = [];
const clusters = new Map<string, KubeSimulator>();

const startRun = () => startProvisionRun(environmentDoc);

beforeAll(async () => {
  attacker = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization ?? '' });
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  stack = await startTutorialStack(clusters);
  ({ gcp, env } = stack);
  ctx = env.ctx;
  // The environment exists, provisioned in process: the attack is on a later run.
  const first = await startRun();
  for (const step of ENVIRONMENT_STEPS) await driveStep(first, step);
  await request(getTestServer('finalize')).post('/').send({ runId: first, outcome: 'succeeded' });
  meshConfig = await startFramework(
    'step-mesh-config',
    productionProcessEnv(env, { EGRESS_GCP_ENDPOINT: gcp.url }),
  );
});

afterAll(async () => {
  await meshConfig?.stop();
  await stack?.close();
  await new Promise<void>((resolve) => attacker?.close(() => resolve()));
});

describe('finding 13: the token goes only to the endpoint the Container API reports', () => {
  it.each([
    [
      'a listener of the attacker on this machine',
      () => `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`,
    ],
    ['a host off this machine over plain http', () => 'http://attacker.example'],
  ])('ignores stored cluster outputs naming %s', async (_what, endpointOf) => {
    const runId = await startRun();
    const upstream = ENVIRONMENT_STEPS.slice(0, ENVIRONMENT_STEPS.indexOf('mesh-config'));
    for (const step of upstream) await driveStep(runId, step);
    // The attack: the stored outputs of the cluster step name another API server.
    const endpoint = endpointOf();
    await env.db
      .doc(`runs/${runId}/steps/cluster`)
      .set({ outputs: { endpoint, dnsEndpoint: endpoint } }, { merge: true });
    expect((await ctx.stores.runs.getStep(runId, 'cluster'))?.outputs?.endpoint).toBe(endpoint);

    const kube = clusters.get('cluster1')!;
    const reads = kube.counters.reads;
    const writes = kube.counters.writes;
    const gcpWrites = gcp.counters.writes;
    seen.length = 0;
    const response = await fetch(meshConfig!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId, step: 'mesh-config' }),
    });
    const body = (await response.json()) as { status?: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('done');
    // Nothing reached the attacker; the cluster's own API server answered (reads, no writes:
    // the mesh is converged), and nothing changed in the GCP simulator.
    expect(seen).toEqual([]);
    expect(kube.counters.reads).toBeGreaterThan(reads);
    expect(kube.counters.writes).toBe(writes);
    expect(gcp.counters.writes).toBe(gcpWrites);
    await request(getTestServer('finalize')).post('/').send({ runId, outcome: 'succeeded' });
  });
});
