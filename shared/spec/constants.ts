/** API group and version of the product's spec documents. */
export const SPEC_API_VERSION = 'egress.provisioner.dev/v1alpha1';

/** Namespaces a tenant may never claim: the platform's own and Kubernetes'. */
export const RESERVED_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'istio-system',
  'istio-egress',
] as const;

/** The services the tutorial enables ("gcloud services enable ..."). */
export const TUTORIAL_APIS = [
  'dns.googleapis.com',
  'container.googleapis.com',
  'compute.googleapis.com',
  'monitoring.googleapis.com',
  'logging.googleapis.com',
  'cloudtrace.googleapis.com',
  'meshca.googleapis.com',
  'meshtelemetry.googleapis.com',
  'meshconfig.googleapis.com',
  'iamcredentials.googleapis.com',
  'gkeconnect.googleapis.com',
  'gkehub.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'stackdriver.googleapis.com',
] as const;

/** The project roles the tutorial grants both node service accounts. */
export const NODE_SERVICE_ACCOUNT_ROLES = [
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/monitoring.viewer',
  'roles/storage.objectViewer',
] as const;

/** private.googleapis.com's addresses (the tutorial's A records and firewall range). */
/**
 * The external ports the egress gateway's nodes may reach: the tutorial's firewall rule
 * `gateway-allow-egress-web` (tcp:80,443). A tenant rule whose targetPort is another port could
 * never be reached, so validation refuses it (the firewalls step opens exactly these).
 */
export const GATEWAY_EGRESS_PORTS: readonly number[] = [80, 443];

export const PRIVATE_GOOGLE_APIS_CIDR = '199.36.153.8/30';
export const PRIVATE_GOOGLE_APIS_ADDRESSES = [
  '199.36.153.8',
  '199.36.153.9',
  '199.36.153.10',
  '199.36.153.11',
] as const;
/** restricted.googleapis.com, which the tutorial's NetworkPolicy also admits. */
export const RESTRICTED_GOOGLE_APIS_CIDR = '199.36.153.4/30';

/** Google's health checkers (tutorial firewall rule allow-ingress-gcp-health-checker). */
export const GOOGLE_HEALTH_CHECK_RANGES = [
  '130.211.0.0/22',
  '35.191.0.0/16',
  '209.85.152.0/22',
  '209.85.204.0/22',
] as const;

/** Labels that mark what the product owns, so it can prune exactly that and nothing else. */
export const OWNER_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  environment: 'egress.provisioner.dev/environment',
  tenant: 'egress.provisioner.dev/tenant',
} as const;
export const MANAGED_BY_VALUE = 'egress-provisioner';

/**
 * The deployment's own service account ids (deploy/service-accounts.ts creates them; a test
 * holds the two lists equal). No node pool and no tenant may run as, or be named like, one of
 * them: nodes or pods would then hold the service's own power.
 */
export const RESERVED_SERVICE_ACCOUNT_IDS = [
  'egress-api',
  'egress-finalize',
  'egress-steps',
  'egress-workflows',
  'egress-tenant-events',
  'egress-events',
  'egress-build',
  'egress-scheduler',
] as const;

/** Google's default service accounts by id: `PROJECT_NUMBER-compute` (Compute Engine). */
export const DEFAULT_SERVICE_ACCOUNT_ID = /^\d+-compute$/;
