import { z } from 'zod';
import { TenantManagerSchema } from './access.js';
import { NODE_SERVICE_ACCOUNT_ROLES, TUTORIAL_APIS } from './constants.js';
import {
  cidr,
  dnsLabel,
  dnsName,
  gcpName,
  hostPattern,
  principal,
  serviceAccountId,
  specDocument,
} from './primitives.js';

/** A master authorized network: who may reach the cluster's control plane endpoint. */
export const AuthorizedNetworkSchema = z.strictObject({
  cidr: cidr.describe('CIDR allowed to reach the control plane, e.g. 203.0.113.7/32'),
  displayName: z.string().max(100).optional(),
});

/** One DNS record of a private zone. */
export const DnsRecordSchema = z.strictObject({
  name: dnsName.describe('Fully qualified, ending with a dot: "*.googleapis.com."'),
  type: z.enum(['A', 'AAAA', 'CNAME']),
  ttl: z.number().int().min(0).max(2147483647).default(300),
  rrdatas: z.array(z.string().min(1)).min(1),
});
export type DnsRecord = z.output<typeof DnsRecordSchema>;

/** A private DNS zone that sends Google API names to the private access VIPs. */
export const DnsZoneSchema = z.strictObject({
  name: gcpName,
  dnsName: dnsName.describe('Zone suffix ending with a dot: "googleapis.com."'),
  description: z.string().max(1024).default(''),
  records: z.array(DnsRecordSchema).min(1),
});
export type DnsZone = z.output<typeof DnsZoneSchema>;

const privateAccessA = (name: string) => ({
  name,
  type: 'A' as const,
  ttl: 300,
  rrdatas: ['199.36.153.8', '199.36.153.9', '199.36.153.10', '199.36.153.11'],
});
const cname = (name: string, target: string) => ({
  name,
  type: 'CNAME' as const,
  ttl: 300,
  rrdatas: [target],
});

/**
 * The tutorial's two zones, with its own descriptions (test/steps/tutorial-gcloud-parity.test.ts
 * compares), plus pkg.dev (Artifact Registry), which current Google docs add.
 */
export const DEFAULT_DNS_ZONES: z.input<typeof DnsZoneSchema>[] = [
  {
    name: 'private-google-apis',
    dnsName: 'googleapis.com.',
    description: 'Private DNS zone for Google APIs',
    records: [
      cname('*.googleapis.com.', 'private.googleapis.com.'),
      privateAccessA('private.googleapis.com.'),
    ],
  },
  {
    name: 'private-gcr-io',
    dnsName: 'gcr.io.',
    description: 'private zone for Container Registry',
    records: [cname('*.gcr.io.', 'gcr.io.'), privateAccessA('gcr.io.')],
  },
  {
    name: 'private-pkg-dev',
    dnsName: 'pkg.dev.',
    description: 'Private Google Access for Artifact Registry',
    records: [cname('*.pkg.dev.', 'pkg.dev.'), privateAccessA('pkg.dev.')],
  },
];

export const NetworkSchema = z.strictObject({
  name: gcpName.default('vpc-network'),
});

export const SubnetSchema = z.strictObject({
  name: gcpName.default('subnet-gke'),
  cidr: cidr.default('10.0.0.0/24'),
  podsRangeName: gcpName.default('pods'),
  podsCidr: cidr.default('10.1.0.0/16'),
  servicesRangeName: gcpName.default('services'),
  servicesCidr: cidr.default('10.2.0.0/20'),
  privateGoogleAccess: z.boolean().default(true),
});

export const NatSchema = z.strictObject({
  routerName: gcpName.default('nat-router'),
  name: gcpName.default('nat-config'),
});

export const NodeServiceAccountsSchema = z.strictObject({
  application: serviceAccountId.default('sa-application-nodes'),
  gateway: serviceAccountId.default('sa-gateway-nodes'),
  roles: z
    .array(z.string().regex(/^roles\/[A-Za-z0-9_.]+$/, 'must look like roles/service.roleName'))
    .default([...NODE_SERVICE_ACCOUNT_ROLES]),
});

export const ClusterSchema = z.strictObject({
  name: gcpName.default('cluster1'),
  releaseChannel: z.enum(['RAPID', 'REGULAR', 'STABLE']).default('REGULAR'),
  masterCidr: cidr.default('10.5.0.0/28'),
  /** Never 0.0.0.0/0: the DNS-based endpoint is IAM-authorized, the IP endpoint stays closed. */
  authorizedNetworks: z.array(AuthorizedNetworkSchema).default([]),
  machineType: z.string().min(1).default('e2-standard-4'),
  nodeCount: z.number().int().min(1).max(1000).default(4),
  networkPolicy: z.boolean().default(true),
});

export const GatewayPoolSchema = z.strictObject({
  name: gcpName.default('gateway'),
  machineType: z.string().min(1).default('e2-standard-4'),
  nodeCount: z.number().int().min(1).max(1000).default(1),
  taint: z
    .strictObject({
      key: z.string().min(1).default('dedicated'),
      value: z.string().min(1).default('gateway'),
      effect: z.enum(['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE']).default('NO_SCHEDULE'),
    })
    .prefault({}),
});

export const EgressGatewaySchema = z.strictObject({
  name: dnsLabel.default('istio-egressgateway'),
  namespace: dnsLabel.default('istio-egress'),
  replicas: z.number().int().min(1).max(20).default(2),
});

export const MeshSchema = z.strictObject({
  egressGateway: EgressGatewaySchema.prefault({}),
  /** STRICT mTLS mesh-wide, as the tutorial's PeerAuthentication. */
  mtlsMode: z.enum(['STRICT', 'PERMISSIVE']).default('STRICT'),
  accessLogging: z.boolean().default(true),
  /**
   * `plain` is the tutorial's passthrough (no Istio mTLS between sidecar and gateway on 443);
   * `istio-mutual` is the experimental wrapping described in docs/design-notes.md.
   */
  passthroughMode: z.enum(['plain', 'istio-mutual']).default('plain'),
});

/** A role as IAM names it: `roles/service.roleName`. */
const iamRole = z
  .string()
  .regex(/^roles\/[A-Za-z0-9_.]+$/, 'must look like roles/service.roleName');

/**
 * A resource pattern of the grant policy: an exact full resource name, or one ending in `*`
 * that matches within the last path segment only
 * (`//storage.googleapis.com/projects/_/buckets/team-*`).
 */
export const grantResourcePattern = z
  .string()
  .max(1024)
  .regex(
    /^\/\/[a-z0-9.-]+\.googleapis\.com\/[^*\s]+\*?$/,
    'must be a full resource name like //storage.googleapis.com/projects/_/buckets/NAME, optionally ending in "*"',
  );

/** One entry of the grant policy: these roles on resources matching these patterns. */
export const TenantGrantPolicySchema = z.strictObject({
  roles: z.array(iamRole).min(1),
  resources: z.array(grantResourcePattern).min(1),
});
export type TenantGrantPolicy = z.output<typeof TenantGrantPolicySchema>;

/**
 * What the environment lets its tenants do: the IAM grants they may ask for (none by default),
 * the Pod Security level of their namespaces, and egress hosts no tenant may reach.
 */
export const TenancySchema = z.strictObject({
  /**
   * Roles × resource patterns tenants may grant through `workloadIdentity.grants`. Empty: no
   * grant is allowed. Service accounts, projects, folders, organizations, `projects/-/` paths and
   * wildcard resources are allowed only when listed as that exact string (docs/security.md).
   */
  grants: z.array(TenantGrantPolicySchema).default([]),
  /** Pod Security Standard enforced on every tenant namespace. */
  podSecurity: z.enum(['privileged', 'baseline', 'restricted']).default('baseline'),
  /** Egress hosts no tenant may name: exact (`api.example.com`) or `*.domain`. */
  deniedHosts: z.array(hostPattern).default([]),
});
export type Tenancy = z.output<typeof TenancySchema>;

export const EnvironmentSpecSchema = z.strictObject({
  project: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
      'must be a Google Cloud project ID: 6-30 lowercase letters, digits or hyphens, starting with a letter',
    ),
  region: z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, 'must be a region like us-central1'),
  zone: z.string().regex(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/, 'must be a zone like us-central1-a'),
  apis: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9.-]+\.googleapis\.com$/, 'must be a service name like dns.googleapis.com'),
    )
    .default([...TUTORIAL_APIS]),
  network: NetworkSchema.prefault({}),
  subnet: SubnetSchema.prefault({}),
  nat: NatSchema.prefault({}),
  nodeServiceAccounts: NodeServiceAccountsSchema.prefault({}),
  cluster: ClusterSchema.prefault({}),
  gatewayPool: GatewayPoolSchema.prefault({}),
  privateDns: z
    .strictObject({ zones: z.array(DnsZoneSchema).prefault(DEFAULT_DNS_ZONES) })
    .prefault({}),
  mesh: MeshSchema.prefault({}),
  tenancy: TenancySchema.prefault({}),
  /**
   * Principals (`user:EMAIL`, `serviceAccount:EMAIL`) who may change or delete the environment,
   * besides its creator. Only an admin of the stored environment may change this list.
   */
  admins: z.array(principal).default([]),
  /**
   * Principals who may create, change, offboard and read the tenants their patterns cover,
   * through the API (`PUT`/`DELETE /v1/environments/{env}/tenants/{name}`). Admins manage every
   * tenant.
   */
  tenantManagers: z.array(TenantManagerSchema).default([]),
  /** Principals who may read the environment, its tenants and its runs (admins may too). */
  viewers: z.array(principal).default([]),
});
export type EnvironmentSpec = z.output<typeof EnvironmentSpecSchema>;

/** An Environment document: everything the tutorial builds before the first tenant. */
export const EnvironmentSchema = specDocument('Environment', EnvironmentSpecSchema);
export type Environment = z.output<typeof EnvironmentSchema>;
export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
