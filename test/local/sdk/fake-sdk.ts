import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import {
  currentHost,
  EMULATOR_COMPONENTS,
  type EmulatorKind,
  type HostProbe,
} from '../../../local/sdk/index.js';

/** An executable shell script at `path` (its folders made). */
export function script(path: string, body = 'exit 0'): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * A minimal SDK tree at `root`: bin/gcloud, lib/googlecloudsdk/core/config.json (with the
 * packages' `disable_updater` when `packaged`), VERSION, and the emulators' launchers asked for.
 */
export function fakeSdk(
  root: string,
  options: { emulators?: readonly EmulatorKind[]; packaged?: boolean; version?: string } = {},
): string {
  script(join(root, 'bin', 'gcloud'));
  mkdirSync(join(root, 'lib', 'googlecloudsdk', 'core'), { recursive: true });
  writeFileSync(
    join(root, 'lib', 'googlecloudsdk', 'core', 'config.json'),
    JSON.stringify({ disable_updater: options.packaged === true }),
  );
  writeFileSync(join(root, 'VERSION'), `${options.version ?? '500.0.0'}\n`);
  mkdirSync(join(root, 'platform'), { recursive: true });
  for (const kind of options.emulators ?? ['firestore', 'pubsub']) {
    script(join(root, 'platform', EMULATOR_COMPONENTS[kind].launcher));
  }
  return root;
}

/**
 * This machine seen through `env` only (no inherited PATH, HOME or CLOUDSDK_ROOT_DIR), with
 * some of its files answered differently (`/etc/debian_version` absent on a Fedora, ...); its
 * folder listings (package repositories) hold only the files given.
 */
export function fakeHost(
  env: NodeJS.ProcessEnv,
  overrides: {
    platform?: NodeJS.Platform;
    files?: Record<string, string | undefined>;
  } = {},
): HostProbe {
  const real = currentHost(env);
  const files = overrides.files ?? {};
  return {
    ...real,
    platform: overrides.platform ?? real.platform,
    exists: (path) => (path in files ? files[path] !== undefined : real.exists(path)),
    readText: (path) => (path in files ? files[path] : real.readText(path)),
    // Only the files given: which package repositories a test machine lists is not the test's.
    listFiles: (dir) =>
      Object.keys(files).filter((file) => dirname(file) === dir && files[file] !== undefined),
  };
}

/**
 * A temporary folder for one test file, removed after it (registered with `afterAll`), and
 * `fresh(name)`: a new empty folder in it per call.
 */
export function testFolders(prefix: string): { root: string; fresh: (name: string) => string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  return {
    root,
    fresh: (name) => {
      const dir = join(root, `${count++}-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
