import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APPLY_SET_LABEL,
  kubeStepDependencies,
  type KubeObjectClient,
  type LiveObject,
} from '../../../../shared/kube/index.js';
import { objectKey } from '../../../../shared/plan/kube-object.js';
import { desiredMeshObjects } from '../../../../shared/plan/mesh/index.js';
import { ensureMeshConfig, removeMeshConfig } from '../../../../shared/steps/mesh-config.js';
import { startKubeSimulator } from '../../../../local/kube/index.js';
import { liveWithLabel } from '../../kube/helpers.js';
import {
  dependencies,
  failingAfter,
  realKubeClient,
  startSimulators,
  stepContext,
  tutorialEnvironment,
  type Simulators,
} from './helpers.js';

const env = tutorialEnvironment();
let sims: Simulators;

beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await Promise.all([sims.kube.close(), sims.gcp.close()]);
});
beforeEach(() => sims.kube.reset());

/** The mesh objects live in the simulator must be exactly the compiler's. */
function expectLiveMesh(revisionReady: boolean): void {
  const live = liveWithLabel(sims.kube, APPLY_SET_LABEL, 'mesh');
  const desired = desiredMeshObjects(env, { revisionReady });
  expect([...live.keys()].sort()).toEqual(desired.map(objectKey).sort());
  for (const obj of desired) expect(live.get(objectKey(obj)), objectKey(obj)).toEqual(obj);
}

describe('step mesh-config against the Kubernetes simulator', () => {
  it('is done on the first run and sends no write on the second', async () => {
    const deps = dependencies(sims);
    const first = await ensureMeshConfig(stepContext('mesh-config', sims.kube), deps);
    expect(first).toMatchObject({
      status: 'done',
      outputs: { revisionReady: true, gatewayNamespace: 'istio-egress' },
    });
    expectLiveMesh(true);

    const writes = sims.kube.counters.writes;
    const second = await ensureMeshConfig(stepContext('mesh-config', sims.kube), deps);
    expect(second).toMatchObject({ status: 'done', outputs: { applied: 0, deleted: 0 } });
    expect(sims.kube.counters.writes).toBe(writes);
  });

  it('converges on a rerun after failing midway', async () => {
    await expect(
      ensureMeshConfig(stepContext('mesh-config', sims.kube), dependencies(sims, failingAfter(4))),
    ).rejects.toMatchObject({ name: 'RetryableError', reason: 'kube-unreachable' });
    const partial = liveWithLabel(sims.kube, APPLY_SET_LABEL, 'mesh');
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(desiredMeshObjects(env).length);

    const rerun = await ensureMeshConfig(stepContext('mesh-config', sims.kube), dependencies(sims));
    expect(rerun.status).toBe('done');
    expect(rerun.status === 'done' && rerun.outputs.unchanged).toBeGreaterThan(0);
    expectLiveMesh(true);
  });

  it('answers a retryable error when the API server is gone', async () => {
    const gone = await startKubeSimulator({ port: 0 });
    await gone.close();
    await expect(
      ensureMeshConfig(
        stepContext('mesh-config', gone),
        kubeStepDependencies(realKubeClient(gone.url)),
      ),
    ).rejects.toMatchObject({ name: 'RetryableError', reason: 'kube-unreachable' });
  });

  it('stays pending without injection until REVISION_READY, then resumes to done', async () => {
    const deps = dependencies(sims);
    const waiting = await ensureMeshConfig(
      stepContext('mesh-config', sims.kube, { revisionReady: false }),
      deps,
    );
    expect(waiting).toMatchObject({ status: 'pending', retryAfterSeconds: 30 });
    expect((waiting as { message: string }).message).toMatch(/REVISION_READY/);
    expectLiveMesh(false);
    const egressNs = sims.kube
      .objects()
      .find((o) => (o.metadata as { name: string }).name === 'istio-egress')!;
    expect(
      (egressNs.metadata as { labels: Record<string, string> }).labels['istio-injection'],
    ).toBeUndefined();

    // Waiting again changes nothing.
    const writes = sims.kube.counters.writes;
    expect(
      (
        await ensureMeshConfig(
          stepContext('mesh-config', sims.kube, { revisionReady: false }),
          deps,
        )
      ).status,
    ).toBe('pending');
    expect(sims.kube.counters.writes).toBe(writes);

    const done = await ensureMeshConfig(
      stepContext('mesh-config', sims.kube, {
        // What shared/steps/mesh-ready.ts outputs once REVISION_READY.
        upstream: { 'mesh-ready': { membership: 'm', controlPlaneState: 'ACTIVE' } },
      }),
      deps,
    );
    expect(done.status).toBe('done');
    expectLiveMesh(true);
  });

  it('never takes the gateway back once deployed, even if mesh-ready outputs go missing', async () => {
    const deps = dependencies(sims);
    await ensureMeshConfig(stepContext('mesh-config', sims.kube), deps);
    const writes = sims.kube.counters.writes;
    const again = await ensureMeshConfig(
      stepContext('mesh-config', sims.kube, { revisionReady: false }),
      deps,
    );
    expect(again.status).toBe('done');
    expect(sims.kube.counters.writes).toBe(writes);
    expectLiveMesh(true);
  });

  it('is pending while the gateway Deployment is not available', async () => {
    // The simulator reports every Deployment available at once; this wrapper hides the status
    // the way a real cluster shows it right after the apply, before the controller has looked.
    const fresh = (obj: LiveObject): LiveObject =>
      obj.kind === 'Deployment' ? { ...obj, status: { observedGeneration: 0 } } : obj;
    const notYet = (client: KubeObjectClient): KubeObjectClient => ({
      ...client,
      apply: async (o) => fresh(await client.apply(o)),
      list: async (k, s) => (await client.list(k, s)).map(fresh),
    });
    const pending = await ensureMeshConfig(
      stepContext('mesh-config', sims.kube),
      dependencies(sims, notYet),
    );
    expect(pending).toMatchObject({ status: 'pending', retryAfterSeconds: 10 });
    expect((pending as { message: string }).message).toMatch(
      /istio-egress\/istio-egressgateway: the deployment controller has not observed generation 1/,
    );

    const writes = sims.kube.counters.writes;
    const done = await ensureMeshConfig(stepContext('mesh-config', sims.kube), dependencies(sims));
    expect(done.status).toBe('done');
    expect(sims.kube.counters.writes).toBe(writes);
  });

  it('removes its objects, keeps kube-system and istio-system, and is done when nothing is left', async () => {
    const deps = dependencies(sims);
    await ensureMeshConfig(stepContext('mesh-config', sims.kube), deps);
    const first = await removeMeshConfig(stepContext('mesh-config', sims.kube), deps);
    expect(first.status).toBe('pending');
    expect(liveWithLabel(sims.kube, APPLY_SET_LABEL, 'mesh').size).toBe(0);
    const names = sims.kube
      .objects()
      .filter((o) => o.kind === 'Namespace')
      .map((o) => (o.metadata as { name: string }).name);
    expect(names).toContain('kube-system');
    expect(names).toContain('istio-system');
    expect(names).not.toContain('istio-egress');

    const writes = sims.kube.counters.writes;
    expect(await removeMeshConfig(stepContext('mesh-config', sims.kube), deps)).toEqual({
      status: 'done',
      outputs: { released: [] },
    });
    expect(sims.kube.counters.writes).toBe(writes);
  });
});
