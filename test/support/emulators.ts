import { randomUUID } from 'node:crypto';
import { initializeApp, deleteApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { clearFirestore, startEmulators } from '../../local/emulators.js';

/** Emulators a test file uses: started for it, or shared ones named by the environment. */
export interface TestEmulators {
  firestoreHost: string;
  pubsubHost: string;
  /** A project id no other suite uses, so parallel suites sharing an emulator never collide. */
  newProjectId(prefix?: string): string;
  /** A firebase-admin Firestore for a project of the emulator (closed by stop()). */
  firestore(projectId: string): Firestore;
  /** Deletes every document of a project. */
  clear(projectId: string): Promise<void>;
  /** Closes the Firestore clients and stops the emulators this harness started. */
  stop(): Promise<void>;
}

/**
 * Starts the Firestore and Pub/Sub emulators on free ports, or reuses the ones named by
 * FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST (e.g. started once by .ci/run). Sets both
 * variables in this process, which is where firebase-admin and @google-cloud/pubsub read them.
 */
export async function startTestEmulators(): Promise<TestEmulators> {
  const sharedFirestore = process.env.FIRESTORE_EMULATOR_HOST;
  const sharedPubsub = process.env.PUBSUB_EMULATOR_HOST;
  const needed = [
    ...(sharedFirestore ? [] : (['firestore'] as const)),
    ...(sharedPubsub ? [] : (['pubsub'] as const)),
  ];
  const started = needed.length > 0 ? await startEmulators({ only: needed }) : undefined;
  const firestoreHost = sharedFirestore ?? started?.firestoreHost;
  const pubsubHost = sharedPubsub ?? started?.pubsubHost;
  if (!firestoreHost || !pubsubHost) throw new Error('emulators did not report their hosts');
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.PUBSUB_EMULATOR_HOST = pubsubHost;
  process.env.METADATA_SERVER_DETECTION = 'none';

  const apps: App[] = [];
  return {
    firestoreHost,
    pubsubHost,
    newProjectId: (prefix = 'demo-test') => `${prefix}-${randomUUID().slice(0, 8)}`,
    firestore(projectId) {
      const app = initializeApp({ projectId }, `${projectId}-${apps.length}`);
      apps.push(app);
      return getFirestore(app);
    },
    clear: (projectId) => clearFirestore(firestoreHost, projectId),
    async stop() {
      // Never leave java running because a client failed to close.
      await Promise.allSettled(apps.splice(0).map((app) => deleteApp(app)));
      if (started) {
        await started.stop();
        if (!sharedFirestore) delete process.env.FIRESTORE_EMULATOR_HOST;
        if (!sharedPubsub) delete process.env.PUBSUB_EMULATOR_HOST;
      }
    },
  };
}
