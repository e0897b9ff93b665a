import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpAdapters } from '../../../cli/compose.js';
import { ManualClock, startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import type { GcpApis } from '../../../shared/core/gcp-apis.js';
import { call } from './sim-client.js';

/**
 * What the steps' drift patching and waiting rely on, served by the simulator to the official
 * clients (through the product's adapters): managed zone and service account patches, record
 * changes that stay `pending` for a while, and service accounts that stay invisible after
 * creation (IAM's eventual consistency).
 */

const project = 'updates-project';
const network = `projects/${project}/global/networks/vpc`;

async function makeNetwork(gcp: GcpApis): Promise<void> {
  await gcp.compute.insert(
    'networks',
    { project },
    { name: 'vpc', autoCreateSubnetworks: false },
    '00000000-0000-4000-8000-0000000000c1',
  );
}

describe('service accounts are eventually consistent', { timeout: 60_000 }, () => {
  it('at time scale > 0 a new account 404s on get and cannot be bound until the delay has passed', async () => {
    const clock = new ManualClock();
    const sim = await startGcpSimulator({ timeScale: 1, clock });
    try {
      const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
      const email = `late-sa@${project}.iam.gserviceaccount.com`;
      await gcp.iam.createServiceAccount(project, {
        accountId: 'late-sa',
        serviceAccount: { displayName: 'late' },
      });
      expect(await gcp.iam.getServiceAccount(project, email)).toBeUndefined();
      // A second create already sees it: 409, which the adapter reports as ALREADY_EXISTS.
      expect(
        await gcp.iam.createServiceAccount(project, { accountId: 'late-sa', serviceAccount: {} }),
      ).toBe('already-exists');
      const policy = await gcp.projectIam.getIamPolicy(project);
      const binding = { role: 'roles/logging.logWriter', members: [`serviceAccount:${email}`] };
      await expect(
        gcp.projectIam.setIamPolicy(project, { ...policy, bindings: [binding] }),
      ).rejects.toMatchObject({
        name: 'PermanentError',
        reason: 'invalid-argument',
        message: expect.stringContaining(`Service account ${email} does not exist.`),
      });
      clock.advance(9_999);
      expect(await gcp.iam.getServiceAccount(project, email)).toBeUndefined();
      clock.advance(1);
      expect(await gcp.iam.getServiceAccount(project, email)).toMatchObject({ email });
      const written = await gcp.projectIam.setIamPolicy(project, {
        ...(await gcp.projectIam.getIamPolicy(project)),
        bindings: [binding],
      });
      expect(written.bindings).toEqual([binding]);
    } finally {
      await sim.close();
    }
  });

  it('the delay is configurable, and absent at time scale 0', async () => {
    const clock = new ManualClock();
    const configured = await startGcpSimulator({ clock, serviceAccountDelaySeconds: 3 });
    const instant = await startGcpSimulator({ clock });
    try {
      for (const [sim, visibleAfterMs] of [
        [configured, 3_000],
        [instant, 0],
      ] as const) {
        const gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
        await gcp.iam.createServiceAccount(project, { accountId: 'some-sa', serviceAccount: {} });
        const email = `some-sa@${project}.iam.gserviceaccount.com`;
        const seenAtOnce = await gcp.iam.getServiceAccount(project, email);
        expect(seenAtOnce === undefined).toBe(visibleAfterMs > 0);
        clock.advance(visibleAfterMs);
        expect(await gcp.iam.getServiceAccount(project, email)).toMatchObject({ email });
      }
    } finally {
      await configured.close();
      await instant.close();
    }
  });
});

describe('patches and record changes', { timeout: 60_000 }, () => {
  const clock = new ManualClock();
  let sim: GcpSimulator;
  let gcp: GcpApis;

  beforeAll(async () => {
    sim = await startGcpSimulator({ timeScale: 1, clock });
    gcp = createGcpAdapters({ mode: 'local', endpoint: sim.url });
    await makeNetwork(gcp);
    clock.advance(60_000);
    await gcp.dns.createZone(project, {
      name: 'private-zone',
      dnsName: 'example.test.',
      description: 'before',
      visibility: 'private',
      privateVisibilityConfig: { networks: [{ networkUrl: network }] },
      labels: { owner: 'a' },
    } as { name: string });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a record change is pending until its propagation time has passed, then done', async () => {
    const change = await gcp.dns.applyChange(project, 'private-zone', {
      additions: [{ name: 'a.example.test.', type: 'A', ttl: 300, rrdatas: ['10.0.0.1'] }],
    });
    expect(change).toEqual({ id: expect.any(String), status: 'pending' });
    // The records are in the zone at once; only the change's status waits.
    expect((await gcp.dns.listRecordSets(project, 'private-zone')).map((r) => r.name)).toContain(
      'a.example.test.',
    );
    expect(await gcp.dns.getChange(project, 'private-zone', change.id)).toEqual(change);
    clock.advance(1_000);
    expect(await gcp.dns.getChange(project, 'private-zone', change.id)).toEqual({
      id: change.id,
      status: 'done',
    });
    expect(await gcp.dns.getChange(project, 'private-zone', '999')).toBeUndefined();
  });

  it('managedZones.patch changes mutable fields and answers a dns#operation with both values', async () => {
    await gcp.dns.patchZone(project, 'private-zone', {
      description: 'after',
      labels: { owner: 'b' },
    });
    expect(await gcp.dns.getZone(project, 'private-zone')).toMatchObject({
      description: 'after',
      labels: { owner: 'b' },
      dnsName: 'example.test.',
      privateVisibilityConfig: { networks: [{ networkUrl: network }] },
    });
    const answer = await call(
      sim,
      'PATCH',
      `/dns/v1/projects/${project}/managedZones/private-zone`,
      { description: 'again' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      kind: 'dns#operation',
      type: 'UPDATE',
      status: 'done',
      zoneContext: { oldValue: { description: 'after' }, newValue: { description: 'again' } },
    });
  });

  it('managedZones.patch refuses to change the DNS name, naming the field', async () => {
    const answer = await call(
      sim,
      'PATCH',
      `/dns/v1/projects/${project}/managedZones/private-zone`,
      { dnsName: 'other.test.' },
    );
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('entity.managedZone.dnsName');
    expect((await gcp.dns.getZone(project, 'private-zone'))?.dnsName).toBe('example.test.');
  });

  it('serviceAccounts.patch applies the update mask and answers the name and patched fields', async () => {
    await gcp.iam.createServiceAccount(project, {
      accountId: 'patched-sa',
      serviceAccount: { displayName: 'old', description: 'keep' },
    });
    clock.advance(10_000);
    const email = `patched-sa@${project}.iam.gserviceaccount.com`;
    await gcp.iam.patchServiceAccount(project, email, { displayName: 'new' });
    expect(await gcp.iam.getServiceAccount(project, email)).toMatchObject({
      displayName: 'new',
      description: 'keep',
    });
    const name = `projects/${project}/serviceAccounts/${email}`;
    // A field the body carries but the mask does not name is left alone.
    const answer = await call(sim, 'PATCH', `/v1/${name}`, {
      serviceAccount: { description: 'changed', displayName: 'not in the mask' },
      updateMask: 'description',
    });
    expect(answer).toEqual({ status: 200, body: { description: 'changed', name } });
    expect(await gcp.iam.getServiceAccount(project, email)).toMatchObject({
      displayName: 'new',
      description: 'changed',
    });
    const refused = await call(sim, 'PATCH', `/v1/${name}`, {
      serviceAccount: { email: 'x@y.z' },
      updateMask: 'email',
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('update_mask');
  });
});
