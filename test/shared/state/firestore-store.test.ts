import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PermanentError } from '../../../shared/errors.js';
import {
  FirestoreDocumentBackend,
  createFirestoreStores,
} from '../../../shared/state/firestore.js';
import { ManualClock } from '../../support/clock.js';
import { startTestEmulators, type TestEmulators } from '../../support/emulators.js';
import { describeTimestampBackendContract } from './backend-contract.js';
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
describeStoreContract('Firestore store (emulator)', async (options) => {
  const clock = new ManualClock();
  const projectId = emulators.newProjectId('demo-state');
  await emulators.clear(projectId);
  return {
    stores: createFirestoreStores(emulators.firestore(projectId), clock, options),
    clock,
  };
});

describeTimestampBackendContract(
  'Firestore backend (emulator)',
  async () =>
    new FirestoreDocumentBackend(emulators.firestore(emulators.newProjectId('demo-timestamps'))),
);

describe('Firestore store (emulator): message records for the TTL policy', () => {
  it('stores expireAt as a Timestamp (what TTL acts on) and the other fields unchanged', async () => {
    const db = emulators.firestore(emulators.newProjectId('demo-ttl'));
    const { runs } = createFirestoreStores(db, new ManualClock());
    await runs.recordMessage({
      id: 'm1',
      topic: 'tenant-events',
      outcome: 'accepted',
      environment: 'tutorial',
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    const raw = (await db.doc('messages/m1').get()).data();
    expect(raw?.expireAt).toBeInstanceOf(Timestamp);
    expect((raw?.expireAt as Timestamp).toMillis()).toBe(Date.parse('2026-02-02T00:00:00.000Z'));
    expect(raw).toEqual({
      id: 'm1',
      topic: 'tenant-events',
      outcome: 'accepted',
      environment: 'tutorial',
      receivedAt: '2026-01-01T00:00:00.000Z',
      expireAt: raw?.expireAt,
    });
  });
});

describe('Firestore store (emulator): a document over the size limit', () => {
  it('is a named permanent error, not a transient one to retry', async () => {
    const db = emulators.firestore(emulators.newProjectId('demo-too-large'));
    const { environments } = createFirestoreStores(db, new ManualClock());
    const error = await environments
      .mergeOutputs('tutorial', 'tenants', { reachability: ['x'.repeat(1_100_000)] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'document-too-large' });
    expect((error as Error).message).toMatch(
      /^Firestore \w+ refused a document over its size limit/,
    );
  });
});
