import type { ExecutionsClient } from '@google-cloud/workflows';
import type { PubSub } from '@google-cloud/pubsub';
import type { OAuth2Client } from 'google-auth-library';
import type { StepImplementation, StepRegistry } from '../shared/core/step-contract.js';
import type { DocumentBackend } from '../shared/state/backend.js';
import { createStores } from '../shared/state/stores.js';
import { systemClock, type Clock, type StateStores } from '../shared/state/types.js';
import { createStepRegistry } from './compose-steps.js';
import { loadConfig, type FunctionsConfig } from './config.js';
import { lazy } from './lib/lazy.js';

export type { StepImplementation, StepRegistry };
export { loadConfig, type FunctionsConfig };

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

/**
 * Verifies Google-signed ID tokens with google-auth-library (signature, expiry, issuer,
 * audience). The client is a parameter so tests can give it local signing certificates; without
 * one, the library loads and its client is built on the first token to check.
 */
export function googleIdTokenVerifier(
  audience: string | undefined,
  client?: OAuth2Client,
): TokenVerifier {
  const oauth = lazy(
    async () => client ?? new (await import('google-auth-library')).OAuth2Client(),
  );
  return {
    async verify(idToken) {
      if (!audience) return { ok: false, message: 'EGRESS_AUTH_AUDIENCE is not configured' };
      try {
        const ticket = await (await oauth()).verifyIdToken({ idToken, audience });
        const payload = ticket.getPayload();
        // An email Google says is unverified proves no identity.
        const email = payload?.email_verified === false ? undefined : payload?.email;
        return email ? { ok: true, email } : { ok: true };
      } catch (error) {
        return { ok: false, message: `ID token rejected: ${(error as Error).message}` };
      }
    },
  };
}

/**
 * A {@link DocumentBackend} on Firestore, built on its first call: firebase-admin (~0.3 s to
 * load) loads then, not when a function's module does.
 */
function lazyFirestoreBackend(projectId: string): DocumentBackend {
  const backend = lazy(async () => {
    const [{ getApps, initializeApp }, { getFirestore }, { FirestoreDocumentBackend }] =
      await Promise.all([
        import('firebase-admin/app'),
        import('firebase-admin/firestore'),
        import('../shared/state/firestore.js'),
      ]);
    const app =
      getApps().find((a) => a.name === 'egress-functions') ??
      initializeApp({ projectId }, 'egress-functions');
    return new FirestoreDocumentBackend(getFirestore(app));
  });
  return {
    get: async (path) => (await backend()).get(path),
    list: async (collectionPath, query) => (await backend()).list(collectionPath, query),
    create: async (path, data) => (await backend()).create(path, data),
    updateFields: async (path, fields) => (await backend()).updateFields(path, fields),
    transaction: async (body) => (await backend()).transaction(body),
  };
}

/**
 * The composition root: real clients from the configuration. The only place that builds
 * Firestore, Pub/Sub and Workflows clients for the functions; the steps' Google and Kubernetes
 * clients come from {@link createStepRegistry} (loaded on a step's first call). `steps`
 * replaces that registry (tests).
 *
 * Nothing here loads a client library: each client is built on its first use (lazy), so a
 * function's module loads in milliseconds and a function pays only for the clients it calls
 * (`api` never loads the Workflows client unless it starts a run; no function but a step loads
 * a step's clients).
 */
export function createContext(
  config: FunctionsConfig,
  steps: StepRegistry = createStepRegistry(config),
): FunctionsContext {
  const pubsub = lazy(
    async (): Promise<PubSub> =>
      new (await import('@google-cloud/pubsub')).PubSub({ projectId: config.projectId }),
  );
  const executions = lazy(async (): Promise<ExecutionsClient> =>
    (await import('./lib/executions-client.js')).executionsClient(config.workflowsEndpoint),
  );
  return {
    config,
    stores: createStores(lazyFirestoreBackend(config.projectId), systemClock),
    clock: systemClock,
    steps,
    verifier: googleIdTokenVerifier(
      config.auth.mode === 'google-id-token' ? config.auth.audience : undefined,
    ),
    publisher: {
      async publish(topic, data, attributes) {
        return (await pubsub()).topic(topic).publishMessage({ json: data, attributes });
      },
    },
    executions: {
      async start(workflow, argument) {
        const client = await executions();
        const parent = client.workflowPath(config.projectId, config.location, workflow);
        const [execution] = await client.createExecution({
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
