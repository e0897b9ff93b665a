import { ExecutionsClient } from '@google-cloud/workflows';
import { PubSub } from '@google-cloud/pubsub';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { OAuth2Client, PassThroughClient } from 'google-auth-library';
import type { StepContext, StepName, StepResult } from '../shared/steps/contract.js';
import { createFirestoreStores } from '../shared/state/firestore.js';
import { systemClock, type Clock, type StateStores } from '../shared/state/types.js';
import { createStepRegistry } from './compose-steps.js';

/** One step's implementation as the step functions call it. */
export interface StepImplementation {
  /** Idempotent: observe, diff, act; `pending` while an operation runs. */
  ensure(ctx: StepContext): Promise<StepResult>;
  /** Teardown counterpart; a step without it answers 501 in a teardown run. */
  remove?(ctx: StepContext): Promise<StepResult>;
}

/** Step implementations by name (compose-steps.ts builds the full set); a step left out answers 501. */
export type StepRegistry = Partial<Record<StepName, StepImplementation>>;

/** Publishes a message; returns its id. */
export interface MessagePublisher {
  publish(topic: string, data: object, attributes: Record<string, string>): Promise<string>;
}

/** Starts a Workflows execution; returns the execution's full name. */
export interface ExecutionStarter {
  start(workflow: string, argument: object): Promise<string>;
}

/** The caller an ID token proved, or why it proved nothing. */
export type TokenCheck = { ok: true; email?: string } | { ok: false; message: string };

/** Verifies a Google-signed ID token. */
export interface TokenVerifier {
  verify(idToken: string): Promise<TokenCheck>;
}

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
   * The local GCP simulator (`http://127.0.0.1:PORT`) the steps' Google clients call; Google's
   * own endpoints with the service's credentials when absent.
   */
  gcpEndpoint?: string;
  /**
   * Bearer token for the clusters' API servers in local mode (the Kubernetes simulator accepts
   * any); in production the steps use the service's own access token instead.
   */
  kubeToken?: string;
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
 * EGRESS_LEASE_SECONDS (900), EGRESS_MAX_BODY_BYTES (262144), EGRESS_GCP_ENDPOINT (the local GCP
 * simulator the steps call, loopback only; Google when unset), EGRESS_KUBE_TOKEN (bearer token
 * for local clusters; optional). The emulators are found through FIRESTORE_EMULATOR_HOST and
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
    ...(env.EGRESS_GCP_ENDPOINT
      ? { gcpEndpoint: loopbackUrl(env.EGRESS_GCP_ENDPOINT, 'EGRESS_GCP_ENDPOINT') }
      : {}),
    ...(env.EGRESS_KUBE_TOKEN ? { kubeToken: env.EGRESS_KUBE_TOKEN } : {}),
  };
}

/** Everything a function needs, built once per instance. */
export interface FunctionsContext {
  config: FunctionsConfig;
  stores: StateStores;
  publisher: MessagePublisher;
  executions: ExecutionStarter;
  verifier: TokenVerifier;
  steps: StepRegistry;
  clock: Clock;
}

/** Workflows client options: the local Executions API over plain HTTP, or Google's. */
function executionsClient(config: FunctionsConfig): ExecutionsClient {
  if (!config.workflowsEndpoint) return new ExecutionsClient();
  const url = new URL(config.workflowsEndpoint);
  return new ExecutionsClient({
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
    fallback: true,
    // No credentials exist locally; without this the client looks for them and fails.
    authClient: new PassThroughClient(),
  } as unknown as ConstructorParameters<typeof ExecutionsClient>[0]);
}

/**
 * Verifies Google-signed ID tokens with google-auth-library (signature, expiry, issuer,
 * audience). The client is a parameter so tests can give it local signing certificates.
 */
export function googleIdTokenVerifier(
  audience: string | undefined,
  client: OAuth2Client = new OAuth2Client(),
): TokenVerifier {
  return {
    async verify(idToken) {
      if (!audience) return { ok: false, message: 'EGRESS_AUTH_AUDIENCE is not configured' };
      try {
        const ticket = await client.verifyIdToken({ idToken, audience });
        const email = ticket.getPayload()?.email;
        return email ? { ok: true, email } : { ok: true };
      } catch (error) {
        return { ok: false, message: `ID token rejected: ${(error as Error).message}` };
      }
    },
  };
}

/**
 * The composition root: real clients from the configuration. The only place that builds
 * Firestore, Pub/Sub and Workflows clients for the functions; the steps' Google and Kubernetes
 * clients come from {@link createStepRegistry} (loaded on a step's first call). `steps`
 * replaces that registry (tests).
 */
export function createContext(
  config: FunctionsConfig,
  steps: StepRegistry = createStepRegistry(config),
): FunctionsContext {
  const app =
    getApps().find((a) => a.name === 'egress-functions') ??
    initializeApp({ projectId: config.projectId }, 'egress-functions');
  const db = getFirestore(app);
  const pubsub = new PubSub({ projectId: config.projectId });
  let executions: ExecutionsClient | undefined;
  return {
    config,
    stores: createFirestoreStores(db),
    clock: systemClock,
    steps,
    verifier: googleIdTokenVerifier(
      config.auth.mode === 'google-id-token' ? config.auth.audience : undefined,
    ),
    publisher: {
      async publish(topic, data, attributes) {
        return pubsub.topic(topic).publishMessage({ json: data, attributes });
      },
    },
    executions: {
      async start(workflow, argument) {
        executions ??= executionsClient(config);
        const parent = executions.workflowPath(config.projectId, config.location, workflow);
        const [execution] = await executions.createExecution({
          parent,
          execution: { argument: JSON.stringify(argument) },
        });
        if (!execution.name) throw new Error('the Executions API returned no execution name');
        return execution.name;
      },
    },
  };
}

let current: FunctionsContext | undefined;

/** The instance's context, built from process.env on first use. */
export function getContext(): FunctionsContext {
  current ??= createContext(loadConfig());
  return current;
}

/** Replaces the context (the local stack, tests); `undefined` resets to lazy construction. */
export function setContext(context: FunctionsContext | undefined): void {
  current = context;
}

/** Lays parts over the current context (e.g. a test step registry); returns the result. */
export function overrideContext(parts: Partial<FunctionsContext>): FunctionsContext {
  current = { ...getContext(), ...parts };
  return current;
}
