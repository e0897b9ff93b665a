import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestEmulators, type TestEmulators } from '../../support/emulators.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let emulators: TestEmulators;
let projectId: string;
beforeAll(async () => {
  emulators = await startTestEmulators();
  projectId = emulators.newProjectId('demo-rules');
  const rules = readFileSync(new URL('../../../firestore.rules', import.meta.url), 'utf8');
  const loaded = await fetch(
    `http://${emulators.firestoreHost}/emulator/v1/projects/${projectId}:securityRules`,
    { method: 'PUT', body: JSON.stringify({ rules: { files: [{ content: rules }] } }) },
  );
  expect(loaded.status).toBe(200);
});
afterAll(async () => {
  await emulators?.stop();
});

describe('firestore.rules', () => {
  it('denies every client read and write, while the Admin SDK still works', async () => {
    const db = emulators.firestore(projectId);
    await db.doc('environments/tutorial').set({ status: 'READY' });
    const documents = `http://${emulators.firestoreHost}/v1/projects/${projectId}/databases/(default)/documents`;
    // A client request: no admin ("owner") credential, so the rules decide.
    const read = await fetch(`${documents}/environments/tutorial`);
    const write = await fetch(`${documents}/runs?documentId=r1`, {
      method: 'POST',
      body: JSON.stringify({ fields: { status: { stringValue: 'PENDING' } } }),
    });
    const list = await fetch(`${documents}/environments`);
    expect([read.status, write.status, list.status]).toEqual([403, 403, 403]);
    expect((await db.doc('environments/tutorial').get()).data()).toEqual({ status: 'READY' });
    expect((await db.doc('runs/r1').get()).exists).toBe(false);
  });
});
