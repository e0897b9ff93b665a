/**
 * The functions' composition root with every part real: functions-framework's HTTP stack
 * (getTestServer), Firestore and Pub/Sub emulators, the GCP simulator (timeScale 0) whose cluster
 * creation starts a Kubernetes simulator, and the default step registry built from the
 * environment variables (EGRESS_GCP_ENDPOINT). A small loop stands in for the workflow.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GoogleAuth } from 'google-auth-library';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GcpSimulator } from '../../local/gcp/index.js';
import type { KubeSimulator } from '../../local/kube/index.js';
import {
  buildSteps,
  createStepRegistry,
  kubeClientFactory,
  kubeConnection,
  type BoundSteps,
} from '../../functions/compose-steps.js';
import { getTestServer, loadConfig, type FunctionsContext } from '../../functions/testing.js';
import type { FunctionsConfig } from '../../functions/context.js';
import { PermanentError } from '../../shared/errors.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import type { StepContext, StepName } from '../../shared/core/step-contract.js';
import {
  driveStepFunction as driveStep,
  startProvisionRun,
  startTutorialStack,
  tutorialExample as example,
  type TutorialStack,
} from '../support/tutorial-stack.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const environmentDoc = example('environment') as { spec: { project: string } };
const PROJECT = environmentDoc.spec.project;

let stack: TutorialStack | undefined;
let ctx: FunctionsContext;
let gcp: GcpSimulator;
const clusters = new Map<string, KubeSimulator>();

/** Starts a provision run through the api function, drives every step, then finalizes. */
async function provision(): Promise<string> {
  const runId = await startProvisionRun(environmentDoc);
  for (const step of ENVIRONMENT_STEPS) await driveStep(runId, step);
  const finalized = await request(getTestServer('finalize'))
    .post('/')
    .send({ runId, outcome: 'succeeded' });
  expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);
  return runId;
}

const kubeWrites = () => [...clusters.values()].reduce((n, sim) => n + sim.counters.writes, 0);

beforeAll(async () => {
  // Each cluster deleted loses its Kubernetes simulator, as in the local stack.
  stack = await startTutorialStack(clusters, { stopDeletedClusters: true });
  ({ gcp } = stack);
  ctx = stack.env.ctx;
});

afterAll(async () => {
  await stack?.close();
});

describe('the default step registry against the simulators', () => {
  let firstRun: string;

  it('provisions the tutorial environment: every step done, GCP and Kubernetes state in place', async () => {
    // Never let this suite reach Google: the context must point at the simulator.
    expect(ctx.config.gcpEndpoint).toBe(gcp.url);
    expect(Object.keys(ctx.steps).sort()).toEqual([...ENVIRONMENT_STEPS].sort());

    firstRun = await provision();

    const steps = await ctx.stores.runs.listSteps(firstRun);
    expect(Object.fromEntries(steps.map((s) => [s.step, s.status]))).toEqual(
      Object.fromEntries(ENVIRONMENT_STEPS.map((s) => [s, 'DONE'])),
    );
    expect((await ctx.stores.runs.get(firstRun))?.status).toBe('SUCCEEDED');
    expect((await ctx.stores.environments.get('tutorial'))?.status).toBe('READY');

    const resources = gcp.state().resources;
    expect(Object.keys(resources['compute.networks'] ?? {})).toEqual([
      expect.stringMatching(/networks\/vpc-network$/),
    ]);
    expect(Object.keys(resources['container.clusters'] ?? {})).toEqual([
      expect.stringMatching(/clusters\/cluster1$/),
    ]);
    const accounts = Object.values(resources['iam.serviceAccounts'] ?? {}).map((a) => a.email);
    expect(accounts).toContain(`sa-test-app-team-x@${PROJECT}.iam.gserviceaccount.com`);
    // team-x's grant lands on the tutorial's bucket itself, through the Storage API.
    const bucketPolicy = (await (
      await fetch(`${gcp.url}/storage/v1/b/${PROJECT}-bucket/iam`)
    ).json()) as { bindings?: { role: string; members: string[] }[] };
    expect(bucketPolicy.bindings?.flatMap((b) => b.members)).toContain(
      `serviceAccount:sa-test-app-team-x@${PROJECT}.iam.gserviceaccount.com`,
    );

    // The cluster step reported the Kubernetes simulator the hook started, and the Kubernetes
    // steps applied through it.
    const kube = clusters.get('cluster1');
    expect(kube).toBeDefined();
    const clusterOutputs = (await ctx.stores.runs.getStep(firstRun, 'cluster'))?.outputs;
    expect(clusterOutputs?.endpoint).toBe(kube!.url);
    const namespaces = kube!
      .objects()
      .filter((o) => o.kind === 'Namespace')
      .map((o) => (o.metadata as { name: string }).name);
    expect(namespaces).toEqual(expect.arrayContaining(['istio-egress', 'team-x', 'team-y']));
    const gateway = kube!
      .objects()
      .find(
        (o) =>
          o.kind === 'Deployment' &&
          (o.metadata as { namespace?: string }).namespace === 'istio-egress',
      );
    expect(gateway).toBeDefined();
    expect((await ctx.stores.tenants.list('tutorial')).map((t) => [t.id, t.status]).sort()).toEqual(
      [
        ['team-x', 'APPLIED'],
        ['team-y', 'APPLIED'],
      ],
    );
  });

  it('a second run of the same spec observes everything and writes nothing', async () => {
    expect(firstRun).toBeDefined();
    const gcpWrites = gcp.counters.writes;
    const kubeBefore = kubeWrites();
    const secondRun = await provision();
    expect(secondRun).not.toBe(firstRun);
    expect((await ctx.stores.runs.get(secondRun))?.status).toBe('SUCCEEDED');
    expect(gcp.counters.writes).toBe(gcpWrites);
    expect(kubeWrites()).toBe(kubeBefore);
  });
});

describe('createStepRegistry', () => {
  const config = (): FunctionsConfig =>
    loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-compose', EGRESS_GCP_ENDPOINT: 'http://127.0.0.1:9' });
  const stepContext = (step: StepName): StepContext => ({
    runId: 'run-00000000-compose',
    step,
    environment: {} as StepContext['environment'],
    tenants: [],
    upstream: {},
    attempt: 1,
  });

  /** Bound steps that record their calls. */
  const recordingSteps = (calls: string[]): BoundSteps => {
    const bound = {} as BoundSteps;
    for (const name of ENVIRONMENT_STEPS) {
      bound[name] = {
        ensure: async () => {
          calls.push(`ensure ${name}`);
          return { status: 'done', outputs: { step: name } };
        },
        remove: async () => {
          calls.push(`remove ${name}`);
          return { status: 'done', outputs: {} };
        },
      };
    }
    return bound;
  };

  it('builds nothing until a step runs, then builds once for every step', async () => {
    const calls: string[] = [];
    let builds = 0;
    const registry = createStepRegistry(config(), async () => {
      builds += 1;
      return recordingSteps(calls);
    });
    expect(Object.keys(registry)).toEqual([...ENVIRONMENT_STEPS]);
    expect(builds).toBe(0);
    await expect(registry.network!.ensure(stepContext('network'))).resolves.toEqual({
      status: 'done',
      outputs: { step: 'network' },
    });
    await registry.tenants!.remove!(stepContext('tenants'));
    await Promise.all([
      registry.apis!.ensure(stepContext('apis')),
      registry.cluster!.ensure(stepContext('cluster')),
    ]);
    expect(builds).toBe(1);
    expect(calls).toEqual(['ensure network', 'remove tenants', 'ensure apis', 'ensure cluster']);
  });

  it('tries the build again on the next call after a failed one', async () => {
    const calls: string[] = [];
    let builds = 0;
    const registry = createStepRegistry(config(), async () => {
      builds += 1;
      if (builds === 1) throw new Error('client library failed to load');
      return recordingSteps(calls);
    });
    await expect(registry.apis!.ensure(stepContext('apis'))).rejects.toThrow(
      'client library failed to load',
    );
    await expect(registry.apis!.ensure(stepContext('apis'))).resolves.toMatchObject({
      status: 'done',
    });
    expect(builds).toBe(2);
    expect(calls).toEqual(['ensure apis']);
  });
});

describe('the production composition', () => {
  it('binds all thirteen steps to clients of the Google endpoints', async () => {
    const steps = await buildSteps(loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-compose' }));
    expect(Object.keys(steps).sort()).toEqual([...ENVIRONMENT_STEPS].sort());
    for (const step of Object.values(steps)) {
      expect(typeof step.ensure).toBe('function');
      expect(typeof step.remove).toBe('function');
    }
  });

  const access = {
    clusterName: 'cluster1',
    clusterPath: 'projects/p/locations/us-central1-a/clusters/cluster1',
  };
  /** A Container API that reports `endpoint` as the cluster's DNS-based endpoint. */
  const reporting = (endpoint: string) => ({
    getCluster: async (name: string) =>
      name === access.clusterPath
        ? { name, controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint } } }
        : undefined,
  });

  it("sends the service's own access token, fetched per client, to the endpoint clusters.get reports", async () => {
    const { clusterServerOf } = await import('../../shared/kube/index.js');
    let tokens = 0;
    const googleAuth = {
      getAccessToken: async () => `ya29.token-${++tokens}`,
    } as unknown as GoogleAuth;
    const deps = {
      target: { mode: 'google' as const },
      kubeToken: 'ignored',
      googleAuth,
      container: reporting('gke-0123.us-central1.gke.goog'),
    };
    const first = await kubeConnection(access, deps, clusterServerOf);
    const second = await kubeConnection(access, deps, clusterServerOf);
    expect(first).toEqual({
      server: { clusterName: 'cluster1', endpoint: 'gke-0123.us-central1.gke.goog' },
      token: 'ya29.token-1',
    });
    // A token per client: google-auth-library caches and refreshes it, the factory keeps none.
    expect(second.token).toBe('ya29.token-2');
  });

  it('refuses a plain-http endpoint against Google before fetching a token or calling it', async () => {
    const seen: string[] = [];
    const apiServer = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    try {
      let tokens = 0;
      const endpoint = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
      const factory = await kubeClientFactory(
        { mode: 'google' },
        undefined,
        { getAccessToken: async () => `ya29.token-${++tokens}` } as unknown as GoogleAuth,
        reporting(endpoint),
      );
      await expect(factory(access)).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'insecure-cluster-endpoint',
        options: { field: 'controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint' },
      });
      expect(tokens).toBe(0);
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => apiServer.close(() => resolve()));
    }
  });

  it('fails permanently when there are no Google credentials to reach a cluster', async () => {
    const factory = await kubeClientFactory(
      { mode: 'google' },
      undefined,
      { getAccessToken: async () => null } as unknown as GoogleAuth,
      reporting('gke-0123.us-central1.gke.goog'),
    );
    await expect(factory(access)).rejects.toMatchObject({
      name: 'PermanentError',
      reason: 'no-credentials',
    });
  });
});

describe('configuration and the local Kubernetes guard', () => {
  it('reads EGRESS_GCP_ENDPOINT and EGRESS_KUBE_TOKEN, refusing a non-loopback endpoint', () => {
    const base = { GOOGLE_CLOUD_PROJECT: 'demo-compose' };
    expect(loadConfig(base)).not.toHaveProperty('gcpEndpoint');
    expect(
      loadConfig({
        ...base,
        EGRESS_GCP_ENDPOINT: 'http://127.0.0.1:8085/',
        EGRESS_KUBE_TOKEN: 't',
      }),
    ).toMatchObject({ gcpEndpoint: 'http://127.0.0.1:8085', kubeToken: 't' });
    expect(() =>
      loadConfig({ ...base, EGRESS_GCP_ENDPOINT: 'http://compute.example.com' }),
    ).toThrow(
      'EGRESS_GCP_ENDPOINT must be a loopback address (the local GCP simulator), got "http://compute.example.com"',
    );
    expect(() => loadConfig({ ...base, EGRESS_GCP_ENDPOINT: 'not a url' })).toThrow(
      'EGRESS_GCP_ENDPOINT must be a URL like http://127.0.0.1:8085, got "not a url"',
    );
  });

  it('refuses, without calling it, a cluster endpoint off this machine in local mode', async () => {
    const access = {
      clusterName: 'cluster1',
      clusterPath: 'projects/p/locations/us-central1-a/clusters/cluster1',
    };
    const reporting = (endpoint: string) => ({
      getCluster: async () => ({
        controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint } },
      }),
    });
    const remote = await kubeClientFactory(
      { mode: 'local', endpoint: 'http://127.0.0.1:9' },
      undefined,
      undefined,
      reporting('gke-0123456789.us-central1.gke.goog'),
    );
    const refused = remote(access);
    await expect(refused).rejects.toBeInstanceOf(PermanentError);
    await expect(refused).rejects.toMatchObject({
      reason: 'non-local-cluster-endpoint',
      options: { field: 'controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint' },
    });
    const local = await kubeClientFactory(
      { mode: 'local', endpoint: 'http://127.0.0.1:9' },
      undefined,
      undefined,
      reporting('http://127.0.0.1:9'),
    );
    expect(typeof (await local(access)).apply).toBe('function');
  });
});
