import { z } from 'zod';
import { HOST_PATTERN, dnsLabel, port, serviceAccountId, specDocument } from './primitives.js';
import { hostNotExternalProblem } from './tenant-policy.js';

/**
 * How a tenant's traffic to a host crosses the egress gateway:
 * - `tls-origination` (default): the app speaks HTTP, the gateway speaks TLS to the host; the
 *   gateway sees the request, so hosts, paths and methods are enforced per tenant.
 * - `http`: plain HTTP end to end (the tutorial's httpbin.org on port 80).
 * - `passthrough`: the app speaks TLS, the gateway forwards by SNI; it sees no client identity,
 *   so this is in effect an environment-wide grant (docs/architecture.md "Tenant policy
 *   compiler").
 */
export const EgressModeSchema = z.enum(['tls-origination', 'http', 'passthrough']);
export type EgressMode = z.output<typeof EgressModeSchema>;

const HOST_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * Two or more HOST_LABELs, no wildcard, the last starting with a letter: exactly the names the
 * checks of {@link hostNameProblem} pass before the external-host check.
 */
const PLAIN_HOST = /^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Why `host` is not an acceptable egress host, as a rule id and message; undefined when it is.
 * One precise reason instead of one regex's generic message: a user sees what to change.
 */
export function hostNameProblem(host: string): { rule: string; message: string } | undefined {
  // Most hosts are plain, valid names: one regex settles every syntactic check below at once
  // (validation runs this for thousands of rules); anything else takes the precise path.
  if (host.length <= 253 && PLAIN_HOST.test(host)) {
    const internal = hostNotExternalProblem(host);
    return internal === undefined ? undefined : { rule: 'host-not-external', message: internal };
  }
  if (host.length > 253) {
    return {
      rule: 'host-too-long',
      message: `a host name has at most 253 characters, not ${host.length}`,
    };
  }
  if (host !== host.toLowerCase()) {
    return { rule: 'invalid-host', message: `must be lowercase: ${host.toLowerCase()}` };
  }
  if (host.endsWith('.')) {
    return { rule: 'invalid-host', message: `must not end with a dot: ${host.slice(0, -1)}` };
  }
  const labels = host.split('.');
  if (labels.slice(1).some((label) => label.includes('*')) || /^.+\*|^\*./.test(labels[0] ?? '')) {
    return {
      rule: 'wildcard-position',
      message: 'a wildcard is allowed only as the whole first label, like *.example.com',
    };
  }
  const named = labels[0] === '*' ? labels.slice(1) : labels;
  if (named.length < 2) {
    return labels[0] === '*'
      ? {
          rule: 'wildcard-too-broad',
          message: `"${host}" covers a whole top-level domain; name a domain like *.example.com`,
        }
      : {
          rule: 'bare-tld',
          message: `"${host}" is not a fully qualified host name; name a host like example.com`,
        };
  }
  const bad = named.find((label) => !HOST_LABEL.test(label));
  if (bad !== undefined) {
    return {
      rule: 'invalid-host',
      message: `label "${bad}" must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen`,
    };
  }
  if (!/^[a-z]/.test(named[named.length - 1] ?? '')) {
    return {
      rule: 'invalid-host',
      message: 'must be a DNS name, not an IP address: egress is granted to host names',
    };
  }
  const internal = hostNotExternalProblem(host);
  if (internal !== undefined) return { rule: 'host-not-external', message: internal };
  return undefined;
}

/**
 * An external host name: a fully qualified DNS name, or a wildcard `*.example.com` (which Istio
 * ServiceEntries accept with resolution NONE only; see validate.ts). The JSON Schema carries
 * the equivalent pattern for editors.
 */
export const hostName = z
  .string()
  .superRefine((host, ctx) => {
    const problem = hostNameProblem(host);
    if (problem)
      ctx.addIssue({ code: 'custom', message: problem.message, params: { rule: problem.rule } });
  })
  .meta({
    pattern: HOST_PATTERN,
    description: 'A host name like example.com, or a wildcard like *.example.com',
  });

/** An HTTP path as AuthorizationPolicy matches it: exact, `/prefix*` or `*suffix`. */
export const httpPath = z
  .string()
  .regex(
    /^(\/[^\s*?#]*\*?|\*[^\s*?#]*)$/,
    'must start with "/" (an optional trailing "*" makes a prefix) or be "*suffix"',
  );

export const EgressRuleSchema = z.strictObject({
  host: hostName,
  mode: EgressModeSchema.default('tls-origination'),
  /**
   * The port the app addresses: 80 for `http`/`tls-origination`, 443 for `passthrough`.
   */
  port: port.optional(),
  /** Port on the external host; defaults to 443 for TLS (origination, passthrough), 80 for http. */
  targetPort: port.optional(),
  /** HTTP paths the tenant may request; empty means every path. Not allowed with passthrough. */
  paths: z.array(httpPath).default([]),
  /** HTTP methods the tenant may use; empty means every method. Not allowed with passthrough. */
  methods: z
    .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']))
    .default([]),
});
export type EgressRule = z.output<typeof EgressRuleSchema>;

export const GrantSchema = z.strictObject({
  /** Full resource name, e.g. `//storage.googleapis.com/projects/_/buckets/my-bucket`. */
  resource: z
    .string()
    .regex(
      /^\/\/[a-z0-9.-]+\.googleapis\.com\/.+$/,
      'must be a full resource name like //storage.googleapis.com/projects/_/buckets/NAME',
    ),
  role: z.string().regex(/^roles\/[A-Za-z0-9_.]+$/, 'must look like roles/service.roleName'),
});

export const WorkloadIdentitySchema = z.strictObject({
  /** Kubernetes service account in the tenant's namespace. */
  kubernetesServiceAccount: dnsLabel,
  /** Google service account ID (before @), created in the environment's project. */
  googleServiceAccount: serviceAccountId,
  grants: z.array(GrantSchema).default([]),
});
export type WorkloadIdentity = z.output<typeof WorkloadIdentitySchema>;

export const NetworkPolicyOptionsSchema = z.strictObject({
  /** Pods may talk to pods of their own namespace (the tutorial's allow-egress-to-same-namespace). */
  allowSameNamespace: z.boolean().default(true),
  /** Other tenants this tenant's pods may reach directly (the tutorial's allow-egress-to-team-y). */
  allowToTenants: z.array(dnsLabel).default([]),
  /**
   * Other tenants whose pods may reach this tenant's pods. Consent: tenant A's allowToTenants
   * opens B's namespace to A only when B lists A here.
   */
  acceptFromTenants: z.array(dnsLabel).default([]),
});

export const TenantSpecSchema = z.strictObject({
  /** The Environment (metadata.name) this tenant belongs to. */
  environment: dnsLabel,
  /** Kubernetes namespace; defaults to the tenant's name. */
  namespace: dnsLabel.optional(),
  /** `absent` offboards the tenant: its objects and grants are removed. */
  state: z.enum(['present', 'absent']).default('present'),
  /** Extra namespace labels (the tutorial labels team-x with team=x). */
  namespaceLabels: z.record(z.string(), z.string()).default({}),
  egress: z.array(EgressRuleSchema).default([]),
  /**
   * Direct access to Google APIs through Private Google Access (not through the gateway):
   * the metadata server and private.googleapis.com. Implied by workloadIdentity.
   */
  googleApis: z.boolean().default(false),
  networkPolicy: NetworkPolicyOptionsSchema.prefault({}),
  workloadIdentity: z.array(WorkloadIdentitySchema).default([]),
});
export type TenantSpec = z.output<typeof TenantSpecSchema>;

/** A Tenant document: one team, its namespace and its egress allowlist. */
export const TenantSchema = specDocument('Tenant', TenantSpecSchema);
export type Tenant = z.output<typeof TenantSchema>;
export type TenantInput = z.input<typeof TenantSchema>;
