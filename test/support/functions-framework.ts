import { spawn } from 'node:child_process';
import { findFreePort } from '../../local/emulators.js';
import type { FunctionsTestEnv } from './functions-env.js';

/** A functions-framework process serving one target of functions/index.ts. */
export interface FrameworkProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real functions-framework (its main.js, TypeScript through tsx) in its own process
 * group, as the deployed runtime would run it, and waits until it answers HTTP.
 */
export async function startFramework(
  target: string,
  env: Record<string, string>,
  signatureType: 'http' | 'cloudevent' = 'http',
): Promise<FrameworkProcess> {
  const port = await findFreePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'node_modules/@google-cloud/functions-framework/build/src/main.js',
      '--source=functions/index.ts',
      `--target=${target}`,
      `--signature-type=${signatureType}`,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, PORT: String(port) },
    },
  );
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const pgid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`functions-framework exited:\n${log}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return { url, output: () => log, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`functions-framework not ready after 30 s:\n${log}`);
}

/**
 * The variables of a functions-framework process wired to a test env's emulators and project,
 * authentication disabled, no metadata server; `extra` adds to them or overrides them.
 */
export function emulatorProcessEnv(
  env: FunctionsTestEnv,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: env.projectId,
    FIRESTORE_EMULATOR_HOST: env.emulators.firestoreHost,
    PUBSUB_EMULATOR_HOST: env.emulators.pubsubHost,
    EGRESS_AUTH: 'disabled-local',
    METADATA_SERVER_DETECTION: 'none',
    ...extra,
  };
}

/**
 * emulatorProcessEnv with NODE_ENV=production, as on Cloud Functions: the framework's own
 * errors (a 400 for unparsable JSON) then carry no stack.
 */
export function productionProcessEnv(
  env: FunctionsTestEnv,
  extra: Record<string, string> = {},
): Record<string, string> {
  return emulatorProcessEnv(env, { NODE_ENV: 'production', ...extra });
}
