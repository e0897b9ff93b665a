/**
 * The functions' settings, read from their environment variables. Kept apart from the context
 * (context.ts) so that the step registry's composition (compose-steps.ts) can read them without
 * depending on the context that holds the registry.
 */

/** Settings read from the environment (see {@link loadConfig}). */
export interface FunctionsConfig {
  /** The service's own project (Firestore, Pub/Sub, Workflows). */
  projectId: string;
  /** Workflows location. */
  location: string;
  /** `disabled-local` only when EGRESS_AUTH says so explicitly. */
  auth:
    | { mode: 'google-id-token'; audience?: string; allowedEmails: string[] }
    | { mode: 'disabled-local' };
  environmentRequestsTopic: string;
  reconcileWorkflow: string;
  /** Local Executions API, e.g. `http://127.0.0.1:8095`; Google's when absent. */
  workflowsEndpoint?: string;
  leaseSeconds: number;
  maxBodyBytes: number;
  /**
   * The Google Cloud projects this deployment provisions environments in
   * (EGRESS_SERVED_PROJECTS); an Environment naming another is refused (403
   * `project-not-served`). Empty: none is served.
   */
  servedProjects: string[];
  /**
   * The local GCP simulator (`http://127.0.0.1:PORT`) the steps' Google clients call; Google's
   * own endpoints with the service's credentials when absent.
   */
  gcpEndpoint?: string;
  /**
   * Bearer token for the clusters' API servers in local mode (the Kubernetes simulator accepts
   * any); in production the steps use the service's own access token instead.
   */
  kubeToken?: string;
  /**
   * EGRESS_ABANDONED_RUN_SECONDS: how long a never-started run sits idle before `sweep-runs`
   * fails it `abandoned`; the store's default (300) when absent.
   */
  abandonedRunSeconds?: number;
  /**
   * EGRESS_TENANT_EVENTS_URL: the tenant-events function's URL, where each environment's tenant
   * topic pushes (the tenants step keeps the topic); without it no environment gets a topic.
   */
  tenantEventsUrl?: string;
  /** EGRESS_TENANT_PUSH_SERVICE_ACCOUNT: whose OIDC token Pub/Sub attaches to those pushes. */
  tenantPushServiceAccount?: string;
}

/** A loopback http(s) URL, or a clear error naming the variable: steps never leave the machine locally. */
function loopbackUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `${name} must be a URL like http://127.0.0.1:8085, got ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${name} must use http or https, got ${JSON.stringify(value)}`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(
      `${name} must be a loopback address (the local GCP simulator), got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** An http(s) URL without a trailing slash, or a clear error naming the variable. */
function httpUrl(value: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Reads the functions' configuration:
 * GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT), EGRESS_LOCATION (us-central1), EGRESS_AUTH
 * (`disabled-local` turns ID-token checks off), EGRESS_AUTH_AUDIENCE, EGRESS_ALLOWED_EMAILS
 * (comma list; empty: any verified caller), EGRESS_ENVIRONMENT_REQUESTS_TOPIC
 * (environment-requests), EGRESS_RECONCILE_WORKFLOW (reconcile-tenants), WORKFLOWS_API_ENDPOINT,
 * EGRESS_LEASE_SECONDS (900), EGRESS_MAX_BODY_BYTES (262144), EGRESS_SERVED_PROJECTS (comma
 * list of the projects environments may name; empty: none), EGRESS_GCP_ENDPOINT (the local GCP
 * simulator the steps call, loopback only; Google when unset), EGRESS_KUBE_TOKEN (bearer token
 * for local clusters; optional), EGRESS_ABANDONED_RUN_SECONDS (sweep-runs; optional), EGRESS_TENANT_EVENTS_URL and
 * EGRESS_TENANT_PUSH_SERVICE_ACCOUNT (the environments' tenant topics push there; optional). The emulators are found through FIRESTORE_EMULATOR_HOST and
 * PUBSUB_EMULATOR_HOST, read by the clients themselves.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FunctionsConfig {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  if (!projectId) throw new Error('GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT) must be set');
  const auth: FunctionsConfig['auth'] =
    env.EGRESS_AUTH === 'disabled-local'
      ? { mode: 'disabled-local' }
      : {
          mode: 'google-id-token',
          ...(env.EGRESS_AUTH_AUDIENCE ? { audience: env.EGRESS_AUTH_AUDIENCE } : {}),
          allowedEmails: (env.EGRESS_ALLOWED_EMAILS ?? '')
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean),
        };
  return {
    projectId,
    location: env.EGRESS_LOCATION ?? 'us-central1',
    auth,
    environmentRequestsTopic: env.EGRESS_ENVIRONMENT_REQUESTS_TOPIC ?? 'environment-requests',
    reconcileWorkflow: env.EGRESS_RECONCILE_WORKFLOW ?? 'reconcile-tenants',
    ...(env.WORKFLOWS_API_ENDPOINT ? { workflowsEndpoint: env.WORKFLOWS_API_ENDPOINT } : {}),
    leaseSeconds: positiveInt(env.EGRESS_LEASE_SECONDS, 900, 'EGRESS_LEASE_SECONDS'),
    maxBodyBytes: positiveInt(env.EGRESS_MAX_BODY_BYTES, 256 * 1024, 'EGRESS_MAX_BODY_BYTES'),
    servedProjects: (env.EGRESS_SERVED_PROJECTS ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    ...(env.EGRESS_GCP_ENDPOINT
      ? { gcpEndpoint: loopbackUrl(env.EGRESS_GCP_ENDPOINT, 'EGRESS_GCP_ENDPOINT') }
      : {}),
    ...(env.EGRESS_KUBE_TOKEN ? { kubeToken: env.EGRESS_KUBE_TOKEN } : {}),
    ...(env.EGRESS_TENANT_EVENTS_URL
      ? { tenantEventsUrl: httpUrl(env.EGRESS_TENANT_EVENTS_URL, 'EGRESS_TENANT_EVENTS_URL') }
      : {}),
    ...(env.EGRESS_TENANT_PUSH_SERVICE_ACCOUNT
      ? { tenantPushServiceAccount: env.EGRESS_TENANT_PUSH_SERVICE_ACCOUNT }
      : {}),
    ...(env.EGRESS_ABANDONED_RUN_SECONDS
      ? {
          abandonedRunSeconds: positiveInt(
            env.EGRESS_ABANDONED_RUN_SECONDS,
            300,
            'EGRESS_ABANDONED_RUN_SECONDS',
          ),
        }
      : {}),
  };
}
