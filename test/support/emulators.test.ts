import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { EmulatorUnavailableError, startEmulators } from '../../local/emulators.js';

// The emulators run on two cores shared by many suites: contention makes them slow, not wrong.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

/** Processes whose command line names this port (the emulators' java and launcher). */
function processesOnPort(port: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `port=${port}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches.
  }
}

describe('local emulator launcher', () => {
  it('fails with a clear message when the SDK is missing', async () => {
    const attempt = startEmulators({
      sdkPlatformDir: '/nonexistent/platform',
      only: ['firestore'],
    });
    await expect(attempt).rejects.toBeInstanceOf(EmulatorUnavailableError);
    await expect(attempt).rejects.toThrow(
      /\/nonexistent\/platform\/cloud-firestore-emulator\/cloud_firestore_emulator does not exist/,
    );
  });

  it('starts Firestore ready to serve, and stop() leaves no process behind', async () => {
    const emulators = await startEmulators({ only: ['firestore'] });
    const port = emulators.firestoreHost?.split(':')[1] ?? '';
    try {
      const res = await fetch(`http://${emulators.firestoreHost}/`);
      expect((await res.text()).trim()).toBe('Ok');
      expect(processesOnPort(port).length).toBeGreaterThan(0);
    } finally {
      await emulators.stop();
    }
    expect(processesOnPort(port)).toEqual([]);
    expect(emulators.pubsubHost).toBeUndefined();
  });
});
