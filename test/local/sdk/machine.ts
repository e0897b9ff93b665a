import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { locateSdk, type EmulatorKind } from '../../../local/sdk/index.js';

/**
 * This machine's gcloud SDK, as the product finds it, for tests that relocate it: undefined
 * only on a developer's machine without one (under CI=true the suite fails instead).
 */
export async function machineSdkRoot(): Promise<string | undefined> {
  const root = (await locateSdk()).sdk?.root;
  if (!root && process.env.CI === 'true') {
    throw new Error(
      'no gcloud SDK on this machine; under CI=true this suite fails instead of skipping',
    );
  }
  return root;
}

/** The launcher folders below platform/ of each emulator. */
const EMULATOR_FOLDERS: Record<EmulatorKind, string> = {
  firestore: 'cloud-firestore-emulator',
  pubsub: 'pubsub-emulator',
};

/**
 * A copy of the SDK at `realRoot` made of links, in `dir`/sdk: each top-level entry linked,
 * platform/ a real folder linking each of its entries except the emulators left `without`.
 */
export function relocatedSdk(
  realRoot: string,
  dir: string,
  without: readonly EmulatorKind[] = [],
): string {
  const root = join(dir, 'sdk');
  mkdirSync(join(root, 'platform'), { recursive: true });
  for (const entry of readdirSync(realRoot)) {
    if (entry !== 'platform') symlinkSync(join(realRoot, entry), join(root, entry));
  }
  const skipped = new Set(without.map((kind) => EMULATOR_FOLDERS[kind]));
  for (const entry of readdirSync(join(realRoot, 'platform'))) {
    if (!skipped.has(entry)) {
      symlinkSync(join(realRoot, 'platform', entry), join(root, 'platform', entry));
    }
  }
  return root;
}

/**
 * One folder linking every command of this process's PATH except `hidden` (first one wins, as
 * in a shell): a PATH on which, say, gcloud or java does not exist.
 */
export function pathWithout(dir: string, hidden: readonly string[]): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const seen = new Set(hidden);
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      symlinkSync(join(folder, entry), join(bin, entry));
    }
  }
  return bin;
}
