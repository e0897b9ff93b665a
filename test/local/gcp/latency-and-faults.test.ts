import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { methodMatches } from '../../../local/gcp/faults.js';
import { call } from './sim-client.js';

const p = '/compute/v1/projects/p';

async function withSim<T>(
  options: Parameters<typeof startGcpSimulator>[0],
  body: (sim: GcpSimulator) => Promise<T>,
): Promise<T> {
  const sim = await startGcpSimulator(options);
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

async function baseNetwork(sim: GcpSimulator, clock?: ManualClock): Promise<void> {
  await call(sim, 'POST', `${p}/global/networks`, { name: 'vpc' });
  await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, {
    name: 's',
    network: 'global/networks/vpc',
    ipCidrRange: '10.0.0.0/24',
  });
  clock?.advance(60_000);
}

describe('latency model (injected clock)', () => {
  it('finishes a VPC after 22 s, scaled by the time scale', async () => {
    const clock = new ManualClock();
    await withSim({ clock, timeScale: 0.5 }, async (sim) => {
      const op = await call(sim, 'POST', `${p}/global/networks`, { name: 'vpc' });
      expect(op.body.status).toBe('RUNNING');
      clock.advance(10_999);
      expect(
        (await call(sim, 'GET', `${p}/global/operations/${String(op.body.name)}`)).body.status,
      ).toBe('RUNNING');
      clock.advance(1);
      const done = await call(sim, 'POST', `${p}/global/operations/${String(op.body.name)}/wait`);
      expect(done.body).toMatchObject({ status: 'DONE', progress: 100 });
    });
  });

  it('moves a cluster PROVISIONING → RUNNING after 4 min and calls the hook for its endpoint', async () => {
    const clock = new ManualClock();
    const created: string[] = [];
    const deleted: string[] = [];
    const hooks = {
      onClusterCreated: async (c: Record<string, unknown>) => {
        created.push(String(c.name));
        return {
          endpoint: '127.0.0.1:6443',
          dnsEndpoint: 'gke-sim.example',
          caCertificate: 'Q0E=',
        };
      },
      onClusterDeleted: async (c: Record<string, unknown>) => {
        deleted.push(String(c.name));
      },
    };
    await withSim({ clock, timeScale: 1, hooks }, async (sim) => {
      await baseNetwork(sim, clock);
      await call(sim, 'POST', '/v1/projects/p/locations/us-central1-a/clusters', {
        cluster: { name: 'c1', network: 'vpc', subnetwork: 's' },
      });
      clock.advance(239_000);
      const provisioning = await call(
        sim,
        'GET',
        '/v1/projects/p/locations/us-central1-a/clusters/c1',
      );
      expect(provisioning.body.status).toBe('PROVISIONING');
      expect(provisioning.body.endpoint).toBeUndefined();
      expect(created).toEqual([]);
      clock.advance(1_000);
      await sim.settle();
      expect(created).toEqual(['c1']);
      const running = await call(sim, 'GET', '/v1/projects/p/locations/us-central1-a/clusters/c1');
      expect(running.body).toMatchObject({
        status: 'RUNNING',
        endpoint: '127.0.0.1:6443',
        masterAuth: { clusterCaCertificate: 'Q0E=' },
        controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint: 'gke-sim.example' } },
      });
      await call(sim, 'DELETE', '/v1/projects/p/locations/us-central1-a/clusters/c1');
      clock.advance(180_000);
      expect(
        (await call(sim, 'GET', '/v1/projects/p/locations/us-central1-a/clusters/c1')).status,
      ).toBe(404);
      expect(deleted).toEqual(['c1']);
    });
  });

  it('makes a new service account usable in a policy only after 10 s', async () => {
    const clock = new ManualClock();
    await withSim({ clock, timeScale: 1 }, async (sim) => {
      await call(sim, 'POST', '/v1/projects/p/serviceAccounts', { accountId: 'sa-gateway-nodes' });
      const bind = async () => {
        const policy = await call(sim, 'POST', '/v1/projects/p:getIamPolicy', {});
        return call(sim, 'POST', '/v1/projects/p:setIamPolicy', {
          policy: {
            ...policy.body,
            bindings: [
              {
                role: 'roles/logging.logWriter',
                members: ['serviceAccount:sa-gateway-nodes@p.iam.gserviceaccount.com'],
              },
            ],
          },
        });
      };
      const early = await bind();
      expect(early.status).toBe(400);
      expect(early.body.error.message).toBe(
        'Service account sa-gateway-nodes@p.iam.gserviceaccount.com does not exist.',
      );
      clock.advance(10_000);
      expect((await bind()).status).toBe(200);
    });
  });

  it('reports the fleet mesh PROVISIONING, then ACTIVE with REVISION_READY after 6 min', async () => {
    const clock = new ManualClock();
    await withSim({ clock, timeScale: 1 }, async (sim) => {
      const hub = '/v1/projects/p/locations/global';
      await call(sim, 'POST', `${hub}/features?featureId=servicemesh`, {
        fleetDefaultMemberConfig: { mesh: { management: 'MANAGEMENT_AUTOMATIC' } },
      });
      await baseNetwork(sim, clock);
      await call(sim, 'POST', '/v1/projects/p/locations/us-central1-a/clusters', {
        cluster: { name: 'c1', network: 'vpc', subnetwork: 's', fleet: { project: 'p' } },
      });
      clock.advance(240_000);
      const membership = await call(sim, 'GET', `${hub}/memberships/c1`);
      expect(membership.body.endpoint.gkeCluster.resourceLink).toBe(
        '//container.googleapis.com/projects/p/locations/us-central1-a/clusters/c1',
      );
      const state = async () => {
        const feature = await call(sim, 'GET', `${hub}/features/servicemesh`);
        return Object.values(
          feature.body.membershipStates as Record<
            string,
            {
              servicemesh: {
                controlPlaneManagement: { state: string; details: { code: string }[] };
              };
            }
          >,
        )[0]!.servicemesh.controlPlaneManagement;
      };
      expect((await state()).state).toBe('PROVISIONING');
      clock.advance(359_000);
      expect((await state()).state).toBe('PROVISIONING');
      clock.advance(1_000);
      expect(await state()).toMatchObject({
        state: 'ACTIVE',
        details: [{ code: 'REVISION_READY' }],
      });
    });
  });
});

describe('fault injection', () => {
  it('names methods by full id, last part, or api + collection + verb', () => {
    const create = 'container.projects.locations.clusters.create';
    const poolCreate = 'container.projects.zones.clusters.nodePools.create';
    expect(methodMatches('container.clusters.create', create)).toBe(true);
    expect(methodMatches('container.clusters.create', poolCreate)).toBe(false);
    expect(methodMatches('container.nodePools.create', poolCreate)).toBe(true);
    expect(methodMatches('setIamPolicy', 'cloudresourcemanager.projects.setIamPolicy')).toBe(true);
    expect(methodMatches('setIamPolicy', 'cloudresourcemanager.projects.getIamPolicy')).toBe(false);
    expect(methodMatches(create, create)).toBe(true);
  });

  it('answers the nth call with the scripted error and serves the others', async () => {
    await withSim(
      { faults: [{ method: 'compute.networks.insert', nth: 2, respond: 503 }] },
      async (sim) => {
        expect((await call(sim, 'POST', `${p}/global/networks`, { name: 'a' })).status).toBe(200);
        const second = await call(sim, 'POST', `${p}/global/networks`, { name: 'b' });
        expect(second.status).toBe(503);
        expect(second.body.error).toMatchObject({
          code: 503,
          errors: [{ reason: 'backendError' }],
        });
        expect((await call(sim, 'POST', `${p}/global/networks`, { name: 'b' })).status).toBe(200);
        expect(Object.keys(sim.state().resources['compute.networks'] ?? {})).toHaveLength(2);
      },
    );
  });

  it('fails a node pool operation and conflicts setIamPolicy twice, set through the admin endpoint', async () => {
    await withSim({}, async (sim) => {
      const script = [
        {
          method: 'container.nodePools.create',
          operationError: { code: 13, message: 'Node pool creation failed: quota.' },
        },
        { method: 'setIamPolicy', times: 2, respond: 409 },
      ];
      expect((await call(sim, 'POST', '/__admin/faults', script)).status).toBe(200);
      await baseNetwork(sim);
      await call(sim, 'POST', '/v1/projects/p/locations/us-central1-a/clusters', {
        cluster: { name: 'c1', network: 'vpc', subnetwork: 's' },
      });
      const op = await call(
        sim,
        'POST',
        '/v1/projects/p/locations/us-central1-a/clusters/c1/nodePools',
        { nodePool: { name: 'gateway' } },
      );
      const finished = await call(
        sim,
        'GET',
        `/v1/projects/p/locations/us-central1-a/operations/${String(op.body.name)}`,
      );
      expect(finished.body).toMatchObject({
        status: 'DONE',
        error: { code: 13, message: 'Node pool creation failed: quota.' },
      });
      expect(
        (
          await call(
            sim,
            'GET',
            '/v1/projects/p/locations/us-central1-a/clusters/c1/nodePools/gateway',
          )
        ).body.status,
      ).toBe('ERROR');
      const policy = { policy: { bindings: [] } };
      const codes = [];
      for (let i = 0; i < 3; i += 1)
        codes.push((await call(sim, 'POST', '/v1/projects/p:setIamPolicy', policy)).status);
      expect(codes).toEqual([409, 409, 200]);
    });
  });

  it('injects rate faults reproducibly from the seed, sparing reads', async () => {
    const run = async () =>
      withSim({ faults: { rate: 0.3, codes: [429, 503], seed: 42 } }, async (sim) => {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i += 1)
          statuses.push(
            (await call(sim, 'POST', `${p}/global/networks`, { name: `n${i}` })).status,
          );
        for (let i = 0; i < 5; i += 1)
          expect((await call(sim, 'GET', `${p}/global/networks`)).status).toBe(200);
        return statuses;
      });
    const first = await run();
    expect(await run()).toEqual(first);
    const faults = first.filter((s) => s !== 200);
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.length).toBeLessThan(20);
    expect(new Set(faults).size).toBeLessThanOrEqual(2);
    expect(faults.every((s) => s === 429 || s === 503)).toBe(true);
  });

  it('rejects a malformed fault script with a 400 naming the field', async () => {
    await withSim({}, async (sim) => {
      const answer = await call(sim, 'POST', '/__admin/faults', [{ method: 'x', respond: 200 }]);
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain('respond');
    });
  });
});

describe('counters, admin and persistence', () => {
  it('counts reads and writes per method, so a second run can assert no write', async () => {
    await withSim({}, async (sim) => {
      await call(sim, 'POST', `${p}/global/networks`, { name: 'vpc' });
      await call(sim, 'GET', `${p}/global/networks/vpc`);
      await call(sim, 'POST', '/v1/projects/p:getIamPolicy', {});
      const counters = (await call(sim, 'GET', '/__admin/counters')).body;
      expect(counters).toEqual({
        reads: 2,
        writes: 1,
        byMethod: {
          'compute.networks.insert': { reads: 0, writes: 1 },
          'compute.networks.get': { reads: 1, writes: 0 },
          'cloudresourcemanager.projects.getIamPolicy': { reads: 1, writes: 0 },
        },
      });
      expect(sim.counters.writes).toBe(1);
      await call(sim, 'POST', '/__admin/reset');
      expect(sim.counters.reads).toBe(0);
      expect((await call(sim, 'GET', '/__admin/state')).body.resources).toEqual({});
    });
  });

  it('saves the state to a file and loads it at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gcp-sim-state-'));
    const stateFile = join(dir, 'state.json');
    try {
      await withSim({ stateFile }, async (sim) => {
        await call(sim, 'POST', `${p}/global/networks`, { name: 'vpc' });
      });
      await withSim({ stateFile }, async (sim) => {
        expect((await call(sim, 'GET', `${p}/global/networks/vpc`)).body.name).toBe('vpc');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
