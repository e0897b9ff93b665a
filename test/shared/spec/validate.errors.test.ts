import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../../cli/load-specs.js';
import { formatSpecError, validateDocuments } from '../../../shared/spec/index.js';

// cdk8s style: every validation message, word for word. A fixture under
// test/fixtures/spec/broken/ yields exactly one error; this table pins its message.
const directory = join(import.meta.dirname, '../../fixtures/spec/broken');

function onlyError(fixture: string) {
  const parsed = parseSpecText(
    `${fixture}.yaml`,
    readFileSync(join(directory, `${fixture}.yaml`), 'utf8'),
  );
  const result = validateDocuments(parsed.documents);
  const errors = [...parsed.errors, ...(result.ok ? [] : result.errors)];
  expect(errors).toHaveLength(1);
  return errors[0];
}

const messages: Array<[fixture: string, message: string]> = [
  ['egress-bare-tld', '"com" is not a fully qualified host name; name a host like example.com'],
  [
    'egress-duplicate-rule',
    'example.com with mode tls-origination is already granted by spec.egress[0]; merge the two rules',
  ],
  [
    'egress-target-port-closed',
    "targetPort 8080 is closed: the environment's egress firewall (gateway-allow-egress-web) lets the gateway reach ports 80 and 443 only",
  ],
  ['egress-host-ip', 'must be a DNS name, not an IP address: egress is granted to host names'],
  ['egress-host-too-long', 'a host name has at most 253 characters, not 259'],
  ['egress-host-uppercase', 'must be lowercase: example.com'],
  [
    'egress-invalid-method',
    'must be one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", not "FETCH"',
  ],
  [
    'egress-invalid-path',
    'must start with "/" (an optional trailing "*" makes a prefix) or be "*suffix"',
  ],
  [
    'egress-passthrough-bypasses-paths',
    'passthrough to httpbin.org would bypass the path and method limits of spec.egress[0] (the gateway sees only the TLS server name); drop this rule or lift the limits',
  ],
  [
    'egress-passthrough-methods',
    'methods cannot be enforced over passthrough (the gateway sees only the TLS server name); use mode tls-origination',
  ],
  [
    'egress-passthrough-paths',
    'paths cannot be enforced over passthrough (the gateway sees only the TLS server name); use mode tls-origination',
  ],
  [
    'egress-port-conflict-across-tenants',
    'example.com port 80 is used by tenant "team-x" with mode tls-origination, targetPort 443; the gateway routes one port of a host one way for every tenant',
  ],
  [
    'egress-port-conflict',
    'example.com port 80 is already used by spec.egress[0] (mode http, targetPort 80); one port of a host carries one kind of traffic',
  ],
  ['egress-port-out-of-range', 'must be 1-65535'],
  ['egress-reserved-port', 'port 15001 is in 15000-15090, which the Istio sidecar reserves'],
  ['egress-unknown-field', 'unknown field "protocol"'],
  [
    'egress-wildcard-inside',
    'a wildcard is allowed only as the whole first label, like *.example.com',
  ],
  [
    'egress-wildcard-origination',
    'TLS origination needs a concrete host name (SNI and certificate check); list the hosts under "*.example.com" or use passthrough',
  ],
  [
    'egress-wildcard-passthrough-bypasses',
    'passthrough to *.example.com would bypass the path and method limits of spec.egress[0] (the gateway sees only the TLS server name); drop this rule or lift the limits',
  ],
  [
    'egress-wildcard-tld',
    '"*.com" covers a whole top-level domain; name a domain like *.example.com',
  ],
  ['env-a-record-not-ipv4', '"private.googleapis.com." is not an IPv4 address (A record)'],
  [
    'env-authorized-duplicate',
    '203.0.113.7/32 is already listed in spec.cluster.authorizedNetworks[0]',
  ],
  [
    'env-authorized-host-bits',
    '203.0.113.7/24 has host bits set; write the network address 203.0.113.0/24',
  ],
  [
    'env-cname-conflict',
    '"*.googleapis.com." already has a CNAME record in records[0]; a CNAME cannot share its name with another record',
  ],
  ['env-duplicate-api', 'dns.googleapis.com is already listed in spec.apis[0]'],
  [
    'env-duplicate-environment',
    'environment "tutorial" is already defined in env-duplicate-environment.yaml#1',
  ],
  ['env-duplicate-record', 'the CNAME record "*.googleapis.com." is already defined in records[0]'],
  [
    'env-duplicate-zone-dns-name',
    '"googleapis.com." is already served by spec.privateDns.zones[0]',
  ],
  [
    'env-duplicate-zone-name',
    'zone name "private-google-apis" is already used by spec.privateDns.zones[0]',
  ],
  [
    'env-gateway-pool-default-name',
    '"default-pool" is the node pool GKE creates with the cluster; choose another name',
  ],
  [
    'env-invalid-project',
    'must be a Google Cloud project ID: 6-30 lowercase letters, digits or hyphens, starting with a letter',
  ],
  ['env-master-not-28', 'the control plane range must be a /28, not a /24'],
  ['env-master-overlap-subnet', '10.0.0.16/28 overlaps spec.subnet.cidr (10.0.0.0/24)'],
  ['env-missing-project', 'is required'],
  ['env-node-count-string', 'must be a number, not the string "4"'],
  [
    'env-open-control-plane',
    '0.0.0.0/0 would open the control plane endpoint to the whole internet; list only the networks that need it',
  ],
  [
    'env-open-control-plane-halves',
    'together 0.0.0.0/1, 128.0.0.0/1 cover every IPv4 address, which would open the control plane endpoint to the whole internet; list only the networks that need it',
  ],
  [
    'env-reserved-node-service-account',
    '"egress-steps" is one of the provisioner\'s own service accounts; nodes must run as an account of their own',
  ],
  ['env-pods-overlap-subnet', '10.0.0.0/16 overlaps spec.subnet.cidr (10.0.0.0/24)'],
  [
    'env-pods-public',
    'the pods range 8.8.0.0/16 is not private: use RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or RFC 6598 (100.64.0.0/10) addresses',
  ],
  [
    'env-pods-too-small',
    'a /22 pods range holds 4 of the /24 blocks GKE gives each node (110 pods per node), but the cluster has 5 nodes (cluster.nodeCount 4 + gatewayPool.nodeCount 1)',
  ],
  ['env-record-outside-zone', '"storage.example.com." is not inside the zone "googleapis.com."'],
  ['env-release-channel', 'must be one of "RAPID", "REGULAR", "STABLE", not "BETA"'],
  [
    'env-same-node-service-account',
    'the gateway nodes need their own service account (the firewall rules tell the two pools apart by it); "sa-nodes" is also the application nodes\' account',
  ],
  ['env-services-overlap-pods', '10.1.16.0/20 overlaps spec.subnet.podsCidr (10.1.0.0/16)'],
  [
    'env-services-public',
    'the services range 172.32.0.0/20 is not private: use RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or RFC 6598 (100.64.0.0/10) addresses',
  ],
  ['env-subnet-host-bits', '10.0.0.1/24 has host bits set; write the network address 10.0.0.0/24'],
  [
    'env-subnet-too-small',
    'a /29 subnet has 4 usable addresses (Google reserves 4), but the cluster has 5 nodes (cluster.nodeCount 4 + gatewayPool.nodeCount 1)',
  ],
  [
    'env-unknown-api-version',
    'unknown apiVersion "egress.provisioner.dev/v1"; expected egress.provisioner.dev/v1alpha1',
  ],
  ['env-unknown-field', 'unknown field "cidrs"'],
  ['env-unknown-kind', 'unknown kind "Cluster"; expected Environment or Tenant'],
  ['env-zone-not-in-region', 'us-east1-b is not a zone of region us-central1'],
  ['env-zone-without-dot', 'must be a DNS name ending with a dot, e.g. "googleapis.com."'],
  [
    'tenant-allow-self',
    '"team-x" is this tenant itself; traffic inside its namespace is governed by allowSameNamespace',
  ],
  [
    'tenant-duplicate-name',
    'tenant "team-x" of environment "tutorial" is already defined in tenant-duplicate-name.yaml#2',
  ],
  ['tenant-duplicate-namespace', 'namespace "shared" is already used by tenant "team-a"'],
  [
    'tenant-environment-syntax',
    'must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  ],
  [
    'tenant-gateway-namespace',
    'namespace "egress-gw" is reserved for the platform (Kubernetes, Google and the mesh manage it); give the tenant its own namespace',
  ],
  [
    'tenant-invalid-label-value',
    'label value "x y" is invalid: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  ],
  [
    'tenant-kube-prefix',
    'namespace "kube-team" is reserved for the platform (Kubernetes, Google and the mesh manage it); give the tenant its own namespace',
  ],
  ['tenant-missing-environment', 'is required'],
  ['tenant-reserved-label', 'label "istio-injection" is set by the platform; remove it'],
  [
    'tenant-reserved-namespace',
    'namespace "istio-system" is reserved for the platform (Kubernetes, Google and the mesh manage it); give the tenant its own namespace',
  ],
  ['tenant-unknown-allowed-tenant', 'no tenant "team-z" in environment "tutorial"'],
  [
    'tenant-unknown-environment',
    'environment "production" is not among the given Environment documents (tutorial)',
  ],
  [
    'wi-duplicate-gsa-across-tenants',
    'Google service account "sa-shared-reader" is already used by tenant "team-x"',
  ],
  [
    'wi-duplicate-ksa',
    'Kubernetes service account "app" is already bound by spec.workloadIdentity[0]',
  ],
  [
    'wi-grant-bad-resource',
    'must be a full resource name like //storage.googleapis.com/projects/_/buckets/NAME',
  ],
  [
    'wi-ksa-not-dns-label',
    'must be a DNS-1123 label: 1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  ],
  [
    'wi-node-service-account',
    '"sa-gateway-nodes" is a node service account of environment "tutorial"; a tenant needs its own',
  ],
  [
    'wi-grant-not-allowed',
    'environment "tutorial" does not let tenants grant roles/storage.admin on //storage.googleapis.com/projects/_/buckets/my-bucket: no entry of spec.tenancy.grants lists this role with a resource pattern covering it',
  ],
  [
    'wi-grant-sensitive-resource',
    'environment "tutorial" does not let tenants grant roles/iam.serviceAccountTokenCreator on //iam.googleapis.com/projects/tutorial-project/serviceAccounts/egress-steps@tutorial-project.iam.gserviceaccount.com: it is a service account (a role on it can act as the account), so only spec.tenancy.grants listing exactly this resource may allow it',
  ],
  [
    'wi-reserved-service-account',
    '"egress-steps" is one of the provisioner\'s own service accounts; name the tenant\'s own account',
  ],
];

describe('validation messages', () => {
  it.each(messages)('%s', (fixture, message) => {
    expect(onlyError(fixture)?.message).toBe(message);
  });

  it('covers every broken fixture', async () => {
    const { readdirSync } = await import('node:fs');
    const fixtures = readdirSync(directory).map((name) => name.replace(/\.yaml$/, ''));
    expect(messages.map(([fixture]) => fixture).sort()).toEqual(fixtures.sort());
  });

  it('formats an error as SOURCE: PATH: MESSAGE [rule]', () => {
    expect(formatSpecError(onlyError('egress-passthrough-bypasses-paths')!)).toBe(
      'egress-passthrough-bypasses-paths.yaml#2: spec.egress[1].mode: passthrough to httpbin.org would bypass the path and method limits of spec.egress[0] (the gateway sees only the TLS server name); drop this rule or lift the limits [passthrough-bypasses-l7]',
    );
    expect(formatSpecError({ path: '', rule: 'invalid-document', message: 'not a mapping' })).toBe(
      'not a mapping [invalid-document]',
    );
  });
});
