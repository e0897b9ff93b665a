import type { ExecutionsClient } from '@google-cloud/workflows';
import { PubSub } from '@google-cloud/pubsub';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { OAuth2Client } from 'google-auth-library';
import type { StepImplementation, StepRegistry } from '../shared/core/step-contract.js';
import { createFirestoreStores } from '../shared/state/firestore.js';
import { systemClock, type Clock, type StateStores } from '../shared/state/types.js';
import { createStepRegistry } from './compose-steps.js';
import { loadConfig, type FunctionsConfig } from './config.js';
import { executionsClient } from './lib/executions-client.js';

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
        executions ??= executionsClient(config.workflowsEndpoint);
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
