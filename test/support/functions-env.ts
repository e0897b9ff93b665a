import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { deleteApp, getApps } from 'firebase-admin/app';
import type { Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { getContext, setContext, type FunctionsContext } from '../../functions/testing.js';
import { environmentDoc } from '../shared/state/store-contract.js';
import { startFakeExecutionsApi, type RecordedExecutionCall } from './fake-executions.js';
import { startTestEmulators, type TestEmulators } from './emulators.js';

/** The functions wired to the emulators, as their composition root builds them from env vars. */
export interface FunctionsTestEnv {
  emulators: TestEmulators;
  projectId: string;
  /** A separate Firestore client on the same project, for dumps and checks. */
  db: Firestore;
  ctx: FunctionsContext;
  pubsub: PubSub;
  /** Pull subscription on `environment-requests`, to see what the API published. */
  requests: Subscription;
  executionCalls: RecordedExecutionCall[];
  close(): Promise<void>;
}

/** Starts emulators and a fake Executions API, sets the env vars, builds the real context. */
export async function startFunctionsTestEnv(): Promise<FunctionsTestEnv> {
  const emulators = await startTestEmulators();
  const executions = await startFakeExecutionsApi();
  const projectId = emulators.newProjectId('demo-fn');
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: projectId,
    EGRESS_AUTH: 'disabled-local',
    WORKFLOWS_API_ENDPOINT: executions.endpoint,
    EGRESS_LOCATION: 'us-central1',
    EGRESS_SERVED_PROJECTS: 'tutorial-project',
  });
  const pubsub = new PubSub({ projectId });
  const [topic] = await pubsub.createTopic('environment-requests');
  const [requests] = await topic.createSubscription('requests-check');
  setContext(undefined);
  const ctx = getContext();
  return {
    emulators,
    projectId,
    db: emulators.firestore(projectId),
    ctx,
    pubsub,
    requests,
    executionCalls: executions.calls,
    async close() {
      setContext(undefined);
      try {
        await Promise.all(
          getApps()
            .filter((app) => app.name === 'egress-functions')
            .map((app) => deleteApp(app)),
        );
        await pubsub.close();
        await executions.close();
      } finally {
        await emulators.stop();
      }
    },
  };
}

/**
 * One FunctionsTestEnv for a test file: started before all its tests (handed to `started`),
 * closed after them. Before each test the env's own context is set again, `eachTest` runs (to
 * override parts of it, reset counters), then the project's Firestore is cleared.
 */
export function useFunctionsTestEnv(
  started: (env: FunctionsTestEnv) => void,
  eachTest?: () => void | Promise<void>,
): void {
  let env: FunctionsTestEnv | undefined;
  beforeAll(async () => {
    env = await startFunctionsTestEnv();
    started(env);
  });
  afterAll(async () => {
    await env?.close();
  });
  beforeEach(async () => {
    setContext(env!.ctx);
    await eachTest?.();
    await env!.emulators.clear(env!.projectId);
  });
}

/** The body of a POST /v1/environments: environment `name` of tutorial-project, with `spec`. */
export const environmentRequest = (name = 'tutorial', spec: Record<string, unknown> = {}) => ({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a', ...spec },
});

/**
 * Starts a run of environment tutorial (the store contract's document) in the stores directly,
 * with no idempotency key: its id. Throws when the store does not create one.
 */
export async function startTutorialRun(
  ctx: FunctionsContext,
  kind: 'provision' | 'teardown' = 'provision',
): Promise<string> {
  const result = await ctx.stores.runs.startRun({
    kind,
    environmentId: 'tutorial',
    spec: environmentDoc(),
    trigger: { type: 'http' },
    requestHash: 'x',
    leaseSeconds: 600,
  });
  if (result.outcome !== 'created') throw new Error(`run not created: ${result.outcome}`);
  return result.run.id;
}

/**
 * The body Pub/Sub's push subscription `tenant-events-push` POSTs for one message: `document`
 * as JSON (a string is sent as it is), with its attributes and id.
 */
export function pubsubPushBody(
  projectId: string,
  document: unknown,
  attributes: Record<string, string>,
  messageId: string,
) {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  const publishTime = new Date().toISOString();
  return {
    message: {
      data: Buffer.from(text).toString('base64'),
      attributes,
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
    subscription: `projects/${projectId}/subscriptions/tenant-events-push`,
  };
}

/** Pulls what is on a subscription now (synchronous pull through the emulator). */
export async function pullAll(
  pubsub: PubSub,
  subscription: Subscription,
): Promise<{ data: unknown; attributes: Record<string, string> }[]> {
  const { v1 } = await import('@google-cloud/pubsub');
  // The generated client ignores PUBSUB_EMULATOR_HOST: build it from the PubSub's config.
  const client = new v1.SubscriberClient(
    (await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
  try {
    // returnImmediately: an empty subscription must answer now, not hold the pull open.
    const [response] = await client.pull({
      subscription: subscription.name,
      maxMessages: 100,
      returnImmediately: true,
    });
    const received = response.receivedMessages ?? [];
    if (received.length > 0) {
      await client.acknowledge({
        subscription: subscription.name,
        ackIds: received.map((m) => m.ackId ?? ''),
      });
    }
    return received.map((m) => ({
      data: JSON.parse(Buffer.from(m.message?.data ?? '').toString('utf8')) as unknown,
      attributes: (m.message?.attributes ?? {}) as Record<string, string>,
    }));
  } finally {
    await client.close();
  }
}
