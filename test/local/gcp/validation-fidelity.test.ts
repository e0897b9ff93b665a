import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../local/gcp/index.js';
import { call, type JsonBody } from './sim-client.js';

/**
 * The simulator refuses what Google refuses (issue 17, validation fidelity): each refusal with
 * Google's status and error body, and nothing written. Sources are cited per test; messages
 * marked "exact" are Google's words as quoted from real traffic, the others are the simulator's
 * wording in Google's shape.
 */

const project = 'fidelity-project';
const p = `/compute/v1/projects/${project}`;
const vpc = `projects/${project}/global/networks/vpc`;

/** compute's error body: `{error: {code, message, errors: [{domain, message, reason}]}}`. */
function expectComputeInvalid(answer: { status: number; body: JsonBody }, message: string): void {
  expect(answer.status).toBe(400);
  expect(answer.body.error).toMatchObject({
    code: 400,
    message,
    errors: [{ domain: 'global', message, reason: 'invalid' }],
  });
}

/** One-Platform APIs (iam, cloudresourcemanager, dns, container) add `status`. */
function expectInvalidArgument(
  answer: { status: number; body: JsonBody },
  message: string,
  reason: string,
): void {
  expect(answer.status).toBe(400);
  expect(answer.body.error).toMatchObject({
    code: 400,
    message,
    status: 'INVALID_ARGUMENT',
    errors: [{ domain: 'global', message, reason }],
  });
}

describe('the GCP simulator refuses what Google refuses', () => {
  let sim: GcpSimulator;
  beforeAll(async () => {
    sim = await startGcpSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    expect(
      (
        await call(sim, 'POST', `${p}/global/networks`, {
          name: 'vpc',
          autoCreateSubnetworks: false,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(sim, 'POST', `${p}/regions/us-central1/subnetworks`, {
          name: 'nodes',
          network: vpc,
          ipCidrRange: '10.0.0.0/24',
          secondaryIpRanges: [
            { rangeName: 'pods', ipCidrRange: '10.1.0.0/16' },
            { rangeName: 'services', ipCidrRange: '10.2.0.0/20' },
          ],
        })
      ).status,
    ).toBe(200);
  });

  describe('compute firewall rules', () => {
    // Source: https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (Firewall fields).
    const rule = (extra: Record<string, unknown>) => ({
      name: 'fw',
      network: vpc,
      allowed: [{ IPProtocol: 'tcp', ports: ['443'] }],
      sourceRanges: ['10.0.0.0/8'],
      ...extra,
    });
    const insert = (extra: Record<string, unknown>) =>
      call(sim, 'POST', `${p}/global/firewalls`, rule(extra));

    it('refuses priority 70000 (0..65535)', async () => {
      const before = sim.state().resources;
      expectComputeInvalid(
        await insert({ priority: 70000 }),
        "Invalid value for field 'resource.priority': '70000'. Must be less than or equal to 65535",
      );
      expect(sim.state().resources).toEqual(before);
      expect((await insert({ priority: 65535 })).status).toBe(200);
    });

    it("refuses an unknown IPProtocol, in Google's exact words", async () => {
      // Exact: github.com/terraform-google-modules/terraform-google-network/issues/535.
      expectComputeInvalid(
        await insert({ allowed: [{ IPProtocol: 'bogus' }] }),
        `Invalid value for field 'resource.allowed[0].IPProtocol': 'bogus'. Must be one of ["ah", "all", "esp", "icmp", "ipip", "sctp", "tcp", "udp"] or an IP protocol number between 0 and 255.`,
      );
      expect((await insert({ allowed: [{ IPProtocol: '58' }] })).status).toBe(200);
    });

    it('refuses port "99999" and a port on icmp', async () => {
      expectComputeInvalid(
        await insert({ allowed: [{ IPProtocol: 'tcp', ports: ['99999'] }] }),
        "Invalid value for field 'resource.allowed[0].ports[0]': '99999'. Must be a port number or a port range (low-high) between 0 and 65535.",
      );
      expectComputeInvalid(
        await insert({ denied: [{ IPProtocol: 'icmp', ports: ['80'] }], allowed: undefined }),
        "Invalid value for field 'resource.denied[0].ports[0]': '80'. Ports may only be specified for rules whose protocol is one of tcp, udp or sctp.",
      );
      expect(
        (await insert({ allowed: [{ IPProtocol: 'udp', ports: ['53', '1000-2000'] }] })).status,
      ).toBe(200);
    });

    it('refuses service accounts mixed with tags, on either side', async () => {
      const sa = `gw@${project}.iam.gserviceaccount.com`;
      expectComputeInvalid(
        await insert({ targetTags: ['gw'], targetServiceAccounts: [sa] }),
        `Invalid value for field 'resource.targetServiceAccounts': '${sa}'. targetServiceAccounts cannot be used at the same time as targetTags or sourceTags.`,
      );
      expectComputeInvalid(
        await insert({ sourceTags: ['app'], sourceServiceAccounts: [sa] }),
        `Invalid value for field 'resource.sourceServiceAccounts': '${sa}'. sourceServiceAccounts cannot be used at the same time as sourceTags or targetTags.`,
      );
      expect((await insert({ targetServiceAccounts: [sa] })).status).toBe(200);
    });

    it('checks a patch as it checks an insert', async () => {
      expect((await insert({})).status).toBe(200);
      expectComputeInvalid(
        await call(sim, 'PATCH', `${p}/global/firewalls/fw`, { priority: 70000 }),
        "Invalid value for field 'resource.priority': '70000'. Must be less than or equal to 65535",
      );
    });
  });

  describe('IAM policies: roles must exist', () => {
    // Exact: "Role roles/X is not supported for this resource." (400 badRequest) for projects and
    // organizations (github.com/terraform-google-modules/terraform-google-iam/issues/91), buckets
    // (github.com/hashicorp/terraform-provider-google/issues/9130) and service accounts
    // (github.com/GoogleCloudPlatform/k8s-config-connector/issues/3942).
    const typo = 'roles/storage.objectViwer';
    const member = 'user:someone@example.com';

    it('refuses a mistyped predefined role on a project, and writes nothing', async () => {
      const path = `/v1/projects/${project}`;
      const policy = (await call(sim, 'POST', `${path}:getIamPolicy`, {})).body;
      const answer = await call(sim, 'POST', `${path}:setIamPolicy`, {
        policy: { ...policy, bindings: [{ role: typo, members: [member] }] },
      });
      expectInvalidArgument(
        answer,
        `Role ${typo} is not supported for this resource.`,
        'badRequest',
      );
      expect((await call(sim, 'POST', `${path}:getIamPolicy`, {})).body).toEqual(policy);
      const good = await call(sim, 'POST', `${path}:setIamPolicy`, {
        policy: {
          ...policy,
          bindings: [{ role: 'roles/storage.objectViewer', members: [member] }],
        },
      });
      expect(good.status).toBe(200);
    });

    it('refuses it on a service account', async () => {
      await call(sim, 'POST', `/v1/projects/${project}/serviceAccounts`, { accountId: 'app-sa' });
      const path = `/v1/projects/${project}/serviceAccounts/app-sa@${project}.iam.gserviceaccount.com`;
      expectInvalidArgument(
        await call(sim, 'POST', `${path}:setIamPolicy`, {
          policy: { bindings: [{ role: 'roles/iam.workloadIdentityUsr', members: [member] }] },
        }),
        'Role roles/iam.workloadIdentityUsr is not supported for this resource.',
        'badRequest',
      );
    });

    it("refuses it on a bucket, in Storage's shape (no status)", async () => {
      expect(
        (await call(sim, 'POST', `/storage/v1/b?project=${project}`, { name: 'fidelity-bucket' }))
          .status,
      ).toBe(200);
      const answer = await call(sim, 'PUT', '/storage/v1/b/fidelity-bucket/iam', {
        bindings: [{ role: typo, members: [member] }],
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual({
        code: 400,
        message: `Role ${typo} is not supported for this resource.`,
        errors: [
          {
            domain: 'global',
            message: `Role ${typo} is not supported for this resource.`,
            reason: 'badRequest',
          },
        ],
      });
    });

    it("accepts the project's own custom roles, refuses another project's", async () => {
      const path = `/v1/projects/${project}`;
      const own = await call(sim, 'POST', `${path}:setIamPolicy`, {
        policy: {
          bindings: [{ role: `projects/${project}/roles/egressSteps`, members: [member] }],
        },
      });
      expect(own.status).toBe(200);
      expectInvalidArgument(
        await call(sim, 'POST', `${path}:setIamPolicy`, {
          policy: { bindings: [{ role: 'projects/other/roles/egressSteps', members: [member] }] },
        }),
        "Role (projects/other/roles/egressSteps) does not exist in the resource's hierarchy.",
        'badRequest',
      );
    });
  });

  describe('Cloud DNS records', () => {
    // Source: https://cloud.google.com/dns/docs/records-overview (A: an IPv4 address; CNAME: no
    // other record at its name, RFC 1034 section 3.6.2), exact rrdata wording from
    // github.com/DNSControl/dnscontrol/issues/349.
    const zones = `/dns/v1/projects/${project}/managedZones`;
    beforeEach(async () => {
      const zone = await call(sim, 'POST', zones, {
        name: 'zone',
        dnsName: 'example.test.',
        description: '',
        visibility: 'private',
        privateVisibilityConfig: { networks: [{ networkUrl: vpc }] },
      });
      expect(zone.status).toBe(200);
    });
    const change = (additions: unknown[]) =>
      call(sim, 'POST', `${zones}/zone/changes`, { additions });

    it('refuses an A record that is not an IPv4 address', async () => {
      const answer = await change([
        { name: 'a.example.test.', type: 'A', ttl: 300, rrdatas: ['10.0.0.1', 'not-an-ip'] },
      ]);
      expectInvalidArgument(
        answer,
        "Invalid value for 'entity.change.additions[0].rrdata[1]': 'not-an-ip'",
        'invalid',
      );
      const records = await call(sim, 'GET', `${zones}/zone/rrsets`);
      expect(records.body.rrsets.map((r: JsonBody) => r.type).sort()).toEqual(['NS', 'SOA']);
    });

    it('refuses a CNAME at the zone apex, accepts one below it', async () => {
      expectInvalidArgument(
        await change([
          { name: 'example.test.', type: 'CNAME', ttl: 300, rrdatas: ['other.example.'] },
        ]),
        "The resource record set 'entity.change.additions[0]' is invalid because the DNS name 'example.test.' may have either one CNAME resource record set or resource record sets of other types, but not both.",
        'cnameResourceRecordSetConflict',
      );
      expect(
        (
          await change([
            { name: '*.example.test.', type: 'CNAME', ttl: 300, rrdatas: ['example.test.'] },
          ])
        ).status,
      ).toBe(200);
    });
  });

  describe('GKE clusters', () => {
    // Sources: https://cloud.google.com/kubernetes-engine/docs/how-to/legacy/network-isolation
    // (the control plane range must not overlap a subnet of the VPC) and
    // https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity (the pool is
    // PROJECT_ID.svc.id.goog).
    const clusters = `/v1/projects/${project}/locations/us-central1/clusters`;
    const cluster = (extra: Record<string, unknown>) => ({
      cluster: {
        name: 'c1',
        network: 'vpc',
        subnetwork: 'nodes',
        ipAllocationPolicy: {
          useIpAliases: true,
          clusterSecondaryRangeName: 'pods',
          servicesSecondaryRangeName: 'services',
        },
        ...extra,
      },
    });

    it('refuses a master /28 overlapping the node subnet', async () => {
      const answer = await call(
        sim,
        'POST',
        clusters,
        cluster({
          privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: '10.0.0.16/28' },
        }),
      );
      expectInvalidArgument(
        answer,
        'The given master_ipv4_cidr 10.0.0.16/28 overlaps with an existing network 10.0.0.0/24 (subnetwork "nodes").',
        'invalid',
      );
      expect(answer.body.error.details[0].fieldViolations[0].field).toBe(
        'cluster.privateClusterConfig.masterIpv4CidrBlock',
      );
      expect((await call(sim, 'GET', clusters)).body.clusters ?? []).toEqual([]);
    });

    it("refuses another project's workload pool, at create and in an update", async () => {
      expectInvalidArgument(
        await call(
          sim,
          'POST',
          clusters,
          cluster({ workloadIdentityConfig: { workloadPool: 'other.svc.id.goog' } }),
        ),
        `Workload pool "other.svc.id.goog" is invalid: the only workload pool of project "${project}" is "${project}.svc.id.goog".`,
        'invalid',
      );
      const created = await call(
        sim,
        'POST',
        clusters,
        cluster({
          workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
          privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: '10.5.0.0/28' },
        }),
      );
      expect(created.status).toBe(200);
      await sim.settle();
      expectInvalidArgument(
        await call(sim, 'PUT', `${clusters}/c1`, {
          update: { desiredWorkloadIdentityConfig: { workloadPool: 'other.svc.id.goog' } },
        }),
        `Workload pool "other.svc.id.goog" is invalid: the only workload pool of project "${project}" is "${project}.svc.id.goog".`,
        'invalid',
      );
    });
  });
});
