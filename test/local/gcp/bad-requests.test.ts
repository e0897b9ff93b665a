import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { call } from './sim-client.js';

/** Bad requests get Google's error shape and change nothing. */

const p = '/compute/v1/projects/p';
const network = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  autoCreateSubnetworks: false,
  ...extra,
});
const subnet = (name: string, range: string, net = 'vpc') => ({
  name,
  network: `projects/p/global/networks/${net}`,
  ipCidrRange: range,
  secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '10.1.0.0/16' }],
});

describe('bad requests', () => {
  let sim: GcpSimulator;
  beforeAll(async () => {
    sim = await startGcpSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    expect((await call(sim, 'POST', `${p}/global/networks`, network('vpc'))).status).toBe(200);
  });

  it('rejects an unknown field with a 400 naming it, and creates nothing', async () => {
    const before = sim.state().resources;
    const answer = await call(
      sim,
      'POST',
      `${p}/global/networks`,
      network('other', { colour: 'blue' }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(400);
    expect(answer.body.error.message).toBe(
      `Invalid JSON payload received. Unknown name "colour" at 'network': Cannot find field.`,
    );
    expect(answer.body.error.details[0].fieldViolations[0].field).toBe('network.colour');
    expect(answer.body.error.errors[0]).toMatchObject({ domain: 'global', reason: 'invalid' });
    expect(sim.state().resources).toEqual(before);
  });

  it('rejects a wrong enum name but accepts an enum number, as the REST fallback sends it', async () => {
    const wrong = await call(
      sim,
      'POST',
      `${p}/global/networks`,
      network('n2', { routingConfig: { routingMode: 'PLANETARY' } }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].fieldViolations[0].field).toBe(
      'network.routingConfig.routingMode',
    );
    const numbered = await call(
      sim,
      'POST',
      `${p}/global/networks`,
      network('n3', { routingConfig: { routingMode: 0 } }),
    );
    expect(numbered.status).toBe(200);
    expect((await call(sim, 'GET', `${p}/global/networks/n3`)).body.routingConfig.routingMode).toBe(
      'GLOBAL',
    );
  });

  it('rejects a missing required field with a 400 naming it', async () => {
    const nameless = await call(sim, 'POST', `${p}/global/networks`, {
      autoCreateSubnetworks: false,
    });
    expect(nameless.status).toBe(400);
    expect(nameless.body.error.details[0].fieldViolations[0].field).toBe('resource.name');
    const rangeless = await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, {
      name: 's',
      network: 'global/networks/vpc',
    });
    expect(rangeless.body.error).toMatchObject({
      code: 400,
      message: "Required field 'resource.ipCidrRange' not specified",
    });
    const memberless = await call(sim, 'POST', '/v1/projects/p/locations/global/memberships', {});
    expect(memberless.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(Object.keys(sim.state().resources['compute.subnetworks'] ?? {})).toEqual([]);
  });

  it('rejects an unknown query parameter and a malformed JSON body', async () => {
    expect((await call(sim, 'GET', `${p}/global/networks/vpc?colour=blue`)).status).toBe(400);
    const response = await fetch(`${sim.url}${p}/global/networks`, {
      method: 'POST',
      body: '{not json',
    });
    expect(response.status).toBe(400);
  });

  it('refuses overlapping CIDRs within a network, allows them across networks', async () => {
    expect(
      (await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, subnet('a', '10.0.0.0/24')))
        .status,
    ).toBe(200);
    const overlap = await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, {
      ...subnet('b', '10.0.0.128/25'),
      secondaryIpRanges: [],
    });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.message).toBe(
      `Invalid IPCidrRange: 10.0.0.128/25 conflicts with existing subnetwork 'a' in region 'us-central1'.`,
    );
    const secondary = await call(sim, 'POST', `${p}/regions/europe-west1/subnetworks`, {
      ...subnet('c', '10.9.0.0/24'),
      secondaryIpRanges: [{ rangeName: 'x', ipCidrRange: '10.1.128.0/20' }],
    });
    expect(secondary.status).toBe(400);
    expect(Object.keys(sim.state().resources['compute.subnetworks'] ?? {})).toEqual([
      'projects/p/regions/us-central1/subnetworks/a',
    ]);
    await call(sim, 'POST', `${p}/global/networks`, network('vpc2'));
    expect(
      (
        await call(
          sim,
          'POST',
          `${p}/regions/us-central1/subnetworks`,
          subnet('d', '10.0.0.0/24', 'vpc2'),
        )
      ).status,
    ).toBe(200);
  });

  it('refuses references to a missing network and a missing service account', async () => {
    const missing = await call(
      sim,
      'POST',
      `${p}/regions/us-central1/subnetworks`,
      subnet('a', '10.0.0.0/24', 'nowhere'),
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain(
      'The referenced network resource cannot be found.',
    );
    const router = await call(sim, 'POST', `${p}/regions/us-central1/routers`, {
      name: 'r',
      network: 'global/networks/nowhere',
    });
    expect(router.status).toBe(400);
    await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, subnet('s', '10.0.0.0/24'));
    const cluster = await call(sim, 'POST', '/v1/projects/p/locations/us-central1-a/clusters', {
      cluster: {
        name: 'c',
        network: 'vpc',
        subnetwork: 's',
        nodeConfig: { serviceAccount: 'ghost@p.iam.gserviceaccount.com' },
      },
    });
    expect(cluster.status).toBe(400);
    expect(cluster.body.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: 'Service account "ghost@p.iam.gserviceaccount.com" does not exist.',
    });
    const range = await call(sim, 'POST', '/v1/projects/p/locations/us-central1-a/clusters', {
      cluster: {
        name: 'c',
        network: 'vpc',
        subnetwork: 's',
        ipAllocationPolicy: { useIpAliases: true, clusterSecondaryRangeName: 'nope' },
      },
    });
    expect(range.status).toBe(400);
    expect(sim.state().resources['container.clusters'] ?? {}).toEqual({});
  });

  it("answers a duplicate name with 409 alreadyExists, in each API's shape", async () => {
    const duplicate = await call(sim, 'POST', `${p}/global/networks`, network('vpc'));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error: {
        code: 409,
        message: "The resource 'projects/p/global/networks/vpc' already exists",
        errors: [
          {
            domain: 'global',
            message: "The resource 'projects/p/global/networks/vpc' already exists",
            reason: 'alreadyExists',
          },
        ],
      },
    });
    await call(sim, 'POST', '/v1/projects/p/serviceAccounts', { accountId: 'sa-gateway-nodes' });
    const account = await call(sim, 'POST', '/v1/projects/p/serviceAccounts', {
      accountId: 'sa-gateway-nodes',
    });
    expect(account.body.error).toMatchObject({
      code: 409,
      status: 'ALREADY_EXISTS',
      message: 'Service account sa-gateway-nodes already exists within project projects/p.',
    });
  });

  it("refuses to delete a network in use, and a 404 has compute's shape", async () => {
    await call(sim, 'POST', `${p}/global/firewalls`, {
      name: 'f',
      network: 'global/networks/vpc',
      allowed: [{ IPProtocol: 'tcp' }],
    });
    const inUse = await call(sim, 'DELETE', `${p}/global/networks/vpc`);
    expect(inUse.status).toBe(400);
    expect(inUse.body.error.errors[0].reason).toBe('resourceInUseByAnotherResource');
    const missing = await call(sim, 'GET', `${p}/global/networks/ghost`);
    expect(missing.body).toEqual({
      error: {
        code: 404,
        message: "The resource 'projects/p/global/networks/ghost' was not found",
        errors: [
          {
            domain: 'global',
            message: "The resource 'projects/p/global/networks/ghost' was not found",
            reason: 'notFound',
          },
        ],
      },
    });
  });

  it('answers a stale etag with 409 ABORTED and keeps the policy', async () => {
    const read = await call(sim, 'POST', '/v1/projects/p:getIamPolicy', {
      options: { requestedPolicyVersion: 3 },
    });
    const first = await call(sim, 'POST', '/v1/projects/p:setIamPolicy', {
      policy: {
        ...read.body,
        bindings: [
          ...read.body.bindings,
          { role: 'roles/viewer', members: ['user:a@example.com'] },
        ],
      },
    });
    expect(first.status).toBe(200);
    const stale = await call(sim, 'POST', '/v1/projects/p:setIamPolicy', {
      policy: {
        ...read.body,
        bindings: [{ role: 'roles/editor', members: ['user:b@example.com'] }],
      },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 409, status: 'ABORTED' });
    const after = await call(sim, 'POST', '/v3/projects/p:getIamPolicy', {});
    expect(after.body.bindings.map((b: { role: string }) => b.role)).toEqual([
      'roles/owner',
      'roles/viewer',
    ]);
  });

  it('answers a stale subnet fingerprint with 412 conditionNotMet and patches with the current one', async () => {
    await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, subnet('a', '10.0.0.0/24'));
    const path = `${p}/regions/us-central1/subnetworks/a`;
    const current = (await call(sim, 'GET', path)).body;
    const stale = await call(sim, 'PATCH', path, {
      fingerprint: 'c3RhbGU=',
      description: 'patched',
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.errors[0].reason).toBe('conditionNotMet');
    expect((await call(sim, 'GET', path)).body.description).toBeUndefined();
    const fresh = await call(sim, 'PATCH', path, {
      fingerprint: current.fingerprint,
      description: 'patched',
    });
    expect(fresh.status).toBe(200);
    const after = (await call(sim, 'GET', path)).body;
    expect(after.description).toBe('patched');
    expect(after.fingerprint).not.toBe(current.fingerprint);
  });

  it('refuses a patch of privateIpGoogleAccess and changes it through setPrivateIpGoogleAccess', async () => {
    await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, subnet('pga', '10.0.1.0/24'));
    const path = `${p}/regions/us-central1/subnetworks/pga`;
    const current = (await call(sim, 'GET', path)).body;
    const patched = await call(sim, 'PATCH', path, {
      fingerprint: current.fingerprint,
      privateIpGoogleAccess: true,
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toContain('setPrivateIpGoogleAccess');
    const set = await call(sim, 'POST', `${path}/setPrivateIpGoogleAccess`, {
      privateIpGoogleAccess: true,
    });
    expect(set.status).toBe(200);
    const after = (await call(sim, 'GET', path)).body;
    expect(after.privateIpGoogleAccess).toBe(true);
    expect(after.fingerprint).not.toBe(current.fingerprint);
    const bad = await call(sim, 'POST', `${path}/setPrivateIpGoogleAccess`, {
      privateIpGoogleAccess: 'yes',
    });
    expect(bad.status).toBe(400);
  });

  it('requestId dedupes a repeated insert into the same operation', async () => {
    const first = await call(sim, 'POST', `${p}/global/firewalls?requestId=abc`, {
      name: 'f',
      network: 'global/networks/vpc',
      allowed: [{ IPProtocol: 'tcp' }],
    });
    const second = await call(sim, 'POST', `${p}/global/firewalls?requestId=abc`, {
      name: 'f',
      network: 'global/networks/vpc',
      allowed: [{ IPProtocol: 'tcp' }],
    });
    expect(second.status).toBe(200);
    expect(second.body.name).toBe(first.body.name);
    const third = await call(sim, 'POST', `${p}/global/firewalls?requestId=other`, {
      name: 'f',
      network: 'global/networks/vpc',
      allowed: [{ IPProtocol: 'tcp' }],
    });
    expect(third.status).toBe(409);
  });
});

describe('GKE runs one operation at a time', () => {
  it('answers a second operation with 400 FAILED_PRECONDITION until the first is done', async () => {
    const clock = new ManualClock();
    const sim = await startGcpSimulator({ timeScale: 1, clock });
    try {
      await call(sim, 'POST', `${p}/global/networks`, network('vpc'));
      await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, subnet('s', '10.0.0.0/24'));
      clock.advance(60_000);
      const create = await call(sim, 'POST', '/v1/projects/p/zones/us-central1-a/clusters', {
        cluster: { name: 'c1', network: 'vpc', subnetwork: 's' },
      });
      expect(create.body).toMatchObject({
        operationType: 'CREATE_CLUSTER',
        status: 'RUNNING',
        zone: 'us-central1-a',
      });
      const pool = { nodePool: { name: 'gateway', initialNodeCount: 1 } };
      const busy = await call(
        sim,
        'POST',
        '/v1/projects/p/locations/us-central1-a/clusters/c1/nodePools',
        pool,
      );
      expect(busy.status).toBe(400);
      expect(busy.body.error).toMatchObject({
        status: 'FAILED_PRECONDITION',
        message: `Cluster is running incompatible operation ${String(create.body.name)}.`,
      });
      expect(
        (await call(sim, 'GET', '/v1/projects/p/locations/us-central1-a/clusters/c1')).body
          .nodePools,
      ).toHaveLength(1);
      clock.advance(240_000);
      const cluster = await call(sim, 'GET', '/v1/projects/p/locations/us-central1-a/clusters/c1');
      expect(cluster.body.status).toBe('RUNNING');
      expect(
        (
          await call(
            sim,
            'POST',
            '/v1/projects/p/locations/us-central1-a/clusters/c1/nodePools',
            pool,
          )
        ).status,
      ).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
