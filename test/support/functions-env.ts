import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { deleteApp, getApps } from 'firebase-admin/app';
import type { Firestore } from 'firebase-admin/firestore';
import { getContext, setContext, type FunctionsContext } from '../../functions/testing.js';
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
  await pubsub.createTopic('tenant-requests');
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
