/**
 * The tutorial environment's functions with every part real, driven in process: the GCP
 * simulator (timeScale 0) whose cluster creation starts a Kubernetes simulator, the Firestore
 * and Pub/Sub emulators, and the context built from the environment variables
 * (EGRESS_GCP_ENDPOINT). Shared by the composition suite and the token-destination attack.
 */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { expect } from 'vitest';
import { parse } from 'yaml';
import {
  readSeedFile,
  startGcpSimulator,
  type ClusterHooks,
  type GcpSimulator,
} from '../../local/gcp/index.js';
import { startKubeSimulator, type KubeSimulator } from '../../local/kube/index.js';
import { getTestServer } from '../../functions/testing.js';
import { familyOf } from '../../shared/plan/graph.js';
import { parseTenant } from '../../shared/spec/index.js';
import type { StepName } from '../../shared/core/step-contract.js';
import { startFunctionsTestEnv, type FunctionsTestEnv } from './functions-env.js';

const ROOT = new URL('../../', import.meta.url);

/** A document of examples/tutorial, parsed from its YAML. */
export const tutorialExample = (name: string): unknown =>
  parse(readFileSync(new URL(`examples/tutorial/${name}.yaml`, ROOT), 'utf8'));

export interface TutorialStack {
  gcp: GcpSimulator;
  env: FunctionsTestEnv;
  /** Puts EGRESS_GCP_ENDPOINT back, closes the env, the Kubernetes simulators and the GCP one. */
  close(): Promise<void>;
}

/**
 * Starts the GCP simulator with the tutorial's seed (its hand-made bucket, which team-x's
 * Workload Identity grant names); each cluster that becomes RUNNING gets its own Kubernetes
 * simulator in `clusters`, by name, as the local stack does (and, with `stopDeletedClusters`,
 * loses it when deleted). Then the functions env, pointed at the simulator, on an empty project
 * that holds tenants team-x and team-y of environment tutorial.
 */
export async function startTutorialStack(
  clusters: Map<string, KubeSimulator>,
  { stopDeletedClusters = false } = {},
): Promise<TutorialStack> {
  const hooks: ClusterHooks = {
    async onClusterCreated(cluster) {
      const name = String(cluster.name);
      const sim = clusters.get(name) ?? (await startKubeSimulator({ port: 0, name }));
      clusters.set(name, sim);
      return { endpoint: `127.0.0.1:${sim.port}`, dnsEndpoint: sim.url };
    },
  };
  if (stopDeletedClusters) {
    hooks.onClusterDeleted = async (cluster) => {
      const name = String(cluster.name);
      await clusters.get(name)?.close();
      clusters.delete(name);
    };
  }
  const gcp = await startGcpSimulator({
    port: 0,
    timeScale: 0,
    seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
    hooks,
  });
  const savedGcpEndpoint = process.env.EGRESS_GCP_ENDPOINT;
  let env: FunctionsTestEnv | undefined;
  const close = async () => {
    if (savedGcpEndpoint === undefined) delete process.env.EGRESS_GCP_ENDPOINT;
    else process.env.EGRESS_GCP_ENDPOINT = savedGcpEndpoint;
    await env?.close();
    await Promise.allSettled([...clusters.values()].map((sim) => sim.close()));
    await gcp.close();
  };
  try {
    // Read by loadConfig when startFunctionsTestEnv builds the context: the path production takes.
    process.env.EGRESS_GCP_ENDPOINT = gcp.url;
    env = await startFunctionsTestEnv();
    await env.emulators.clear(env.projectId);
    await env.ctx.stores.tenants.put('tutorial', parseTenant(tutorialExample('team-x')));
    await env.ctx.stores.tenants.put('tutorial', parseTenant(tutorialExample('team-y')));
    return { gcp, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts a provision run of `doc` through the api function: its run id. */
export async function startProvisionRun(doc: object): Promise<string> {
  const created = await request(getTestServer('api')).post('/v1/environments').send(doc);
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return (created.body as { runId: string }).runId;
}

/** Calls one step's function until it answers done; returns how many calls it took. */
export async function driveStepFunction(runId: string, step: StepName): Promise<number> {
  for (let call = 1; call <= 40; call++) {
    const response = await request(getTestServer(`step-${familyOf(step)}`))
      .post('/')
      .send({ runId, step });
    // 503 is the workflow's cue to retry; anything else but 200 ends the run.
    if (response.status === 503) continue;
    expect(response.status, `${step}: ${JSON.stringify(response.body)}`).toBe(200);
    if ((response.body as { status: string }).status === 'done') return call;
  }
  throw new Error(`step ${step} was not done after 40 calls`);
}
