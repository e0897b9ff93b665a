import { afterAll, beforeAll, vi } from 'vitest';
import { createFirestoreStores } from '../../shared/state/firestore.js';
import { ManualClock } from '../support/clock.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';
import { describeStoreContract } from './store-contract.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let emulators: TestEmulators;
beforeAll(async () => {
  emulators = await startTestEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

// Each test gets its own project: an empty database without waiting for a DELETE.
describeStoreContract('Firestore store (emulator)', async () => {
  const clock = new ManualClock();
  const projectId = emulators.newProjectId('demo-state');
  await emulators.clear(projectId);
  return { stores: createFirestoreStores(emulators.firestore(projectId), clock), clock };
});
