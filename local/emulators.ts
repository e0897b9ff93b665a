import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  EMULATOR_COMPONENTS,
  currentHost,
  formatCheck,
  installEmulatorsFix,
  installJavaFix,
  installSdkFix,
  javaEnvironment,
  javaNeededByLog,
  locateJava,
  locateSdk,
  type GcloudSdk,
  type JavaRuntime,
} from './sdk/index.js';

/**
 * The platform folder of Google's Debian packages (and of Cloud Shell's SDK), the first place
 * local/sdk looks after CLOUDSDK_ROOT_DIR and the gcloud on PATH (docs/architecture.md
 * "Emulators").
 */
export const SDK_PLATFORM_DIR = '/usr/lib/google-cloud-sdk/platform';

/** Options of {@link startEmulators}. */
export interface StartEmulatorsOptions {
  /** Port of the Firestore emulator; a free ephemeral port when absent. */
  firestorePort?: number;
  /** Port of the Pub/Sub emulator; a free ephemeral port when absent. */
  pubsubPort?: number;
  /** Start only some of them (default: both). */
  only?: readonly ('firestore' | 'pubsub')[];
  /** How long to wait for `GET /` to answer `Ok` (default 30 s). */
  readyTimeoutMs?: number;
  /** The SDK's `platform` directory; default: that of the SDK local/sdk finds. */
  sdkPlatformDir?: string;
  /** The SDK's root when no `sdkPlatformDir` is given (default: CLOUDSDK_ROOT_DIR, gcloud, ...). */
  sdkRoot?: string;
  /** The Java runtime the emulators run on; default: the one local/sdk finds. */
  java?: JavaRuntime;
}

/** Running emulators: `host:port` strings for FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST. */
export interface RunningEmulators {
  firestoreHost?: string;
  pubsubHost?: string;
  /** Stops every process group started; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Raised when an emulator cannot run here (no SDK, no emulator, no suitable Java); the message
 * names the command that installs what is missing.
 */
export class EmulatorUnavailableError extends Error {
  override readonly name = 'EmulatorUnavailableError';
}

/** Asks the kernel for a free port on 127.0.0.1 (the emulators take a port, not port 0). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Emulator {
  kind: 'firestore' | 'pubsub';
  /** Path below the SDK's platform directory. */
  bin: string;
  args: (port: number) => string[];
}

const EMULATORS: Record<'firestore' | 'pubsub', Emulator> = {
  firestore: {
    kind: 'firestore',
    bin: EMULATOR_COMPONENTS.firestore.launcher,
    args: (port) => [
      'start',
      '--host=127.0.0.1',
      `--port=${port}`,
      '--database-mode=firestore-native',
    ],
  },
  pubsub: {
    kind: 'pubsub',
    bin: EMULATOR_COMPONENTS.pubsub.launcher,
    args: (port) => ['--host=127.0.0.1', `--port=${port}`],
  },
};

/** Process groups still alive, killed synchronously if the process exits without stop(). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test worker must not leave java running: kill what is left when node exits.
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL when it is still there after `graceMs`. */
export async function stopProcessGroup(pgid: number, graceMs = 5_000): Promise<void> {
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
}

async function stopGroup(pgid: number): Promise<void> {
  await stopProcessGroup(pgid);
  liveGroups.delete(pgid);
}

async function waitReady(
  host: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new Error(`emulator on ${host} exited with code ${exited} before ready:\n${output()}`);
    }
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok && (await res.text()).trim() === 'Ok') return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`emulator on ${host} not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Where the emulators are, and the Java they run on. */
interface EmulatorSetup {
  platformDir: string;
  /** The SDK found, when the platform folder was not given: its install method names fixes. */
  sdk?: GcloudSdk;
  java: JavaRuntime;
}

/** Finds the SDK's platform folder and Java, or says what to install. */
async function emulatorSetup(options: StartEmulatorsOptions): Promise<EmulatorSetup> {
  const host = currentHost();
  let platformDir = options.sdkPlatformDir;
  let sdk: GcloudSdk | undefined;
  if (!platformDir) {
    const search = await locateSdk({ ...(options.sdkRoot ? { sdkRoot: options.sdkRoot } : {}) });
    if (!search.sdk) {
      const problem =
        search.explicitProblem ?? `no gcloud SDK found (looked at ${search.looked.join(', ')})`;
      throw new EmulatorUnavailableError(
        `${problem}; install one:\n${installSdkFix(host).join('\n')}`,
      );
    }
    sdk = search.sdk;
    platformDir = sdk.platformDir;
  }
  let java = options.java;
  if (!java) {
    const found = await locateJava(host);
    if ('problem' in found) {
      throw new EmulatorUnavailableError(
        `the emulators need Java: ${found.problem}; install it:\n${installJavaFix(host).join('\n')}`,
      );
    }
    java = found.java;
  }
  return { platformDir, java, ...(sdk ? { sdk } : {}) };
}

/** The fix for a missing emulator launcher, the way its SDK was installed. */
function missingEmulatorFix(emulator: Emulator, setup: EmulatorSetup): string {
  const host = currentHost();
  const fix = setup.sdk
    ? installEmulatorsFix(setup.sdk, [emulator.kind], host)
    : installSdkFix(host);
  return formatCheck({
    id: `${emulator.kind}-emulator`,
    title: EMULATOR_COMPONENTS[emulator.kind].title,
    ok: false,
    required: true,
    detail: 'missing',
    fix,
  })
    .slice(1)
    .join('\n');
}

async function startOne(
  emulator: Emulator,
  setup: EmulatorSetup,
  requestedPort: number | undefined,
  timeoutMs: number,
): Promise<{ host: string; pgid: number }> {
  const bin = `${setup.platformDir}/${emulator.bin}`;
  if (!existsSync(bin)) {
    throw new EmulatorUnavailableError(
      `the ${emulator.kind} emulator is missing: ${bin} does not exist.\n` +
        `${missingEmulatorFix(emulator, setup)}\n` +
        `Alternatively set ${emulator.kind === 'firestore' ? 'FIRESTORE' : 'PUBSUB'}_EMULATOR_HOST to a running emulator.`,
    );
  }
  const port = requestedPort ?? (await findFreePort());
  const host = `127.0.0.1:${port}`;
  // detached = setsid: the launcher script's java child joins the group, so killing the group
  // stops it too (killing only the script leaves java running). The bash leader is a watchdog:
  // when this node process dies without stop() (even by SIGKILL), it kills the whole group.
  const watchdog =
    `"$@" & child=$!; ` +
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; ` +
    `kill -KILL -- -$$`;
  const child = spawn('bash', ['-c', watchdog, emulator.kind, bin, ...emulator.args(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...javaEnvironment(setup.java),
      JAVA_TOOL_OPTIONS: '-Xmx512m',
      METADATA_SERVER_DETECTION: 'none',
    },
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start the ${emulator.kind} emulator`);
  liveGroups.add(pgid);
  installExitHook();
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // The pipes must not keep the parent alive once it wants to exit.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  try {
    await waitReady(host, child, () => log, timeoutMs);
  } catch (error) {
    await stopGroup(pgid);
    const needed = javaNeededByLog(log);
    if (needed !== undefined) {
      throw new EmulatorUnavailableError(
        `the ${emulator.kind} emulator needs Java ${needed} or newer; ${setup.java.path} is older. ` +
          `Install it, then point JAVA_HOME at it:\n${installJavaFix(currentHost()).join('\n')}`,
      );
    }
    throw error;
  }
  return { host, pgid };
}

/**
 * Starts Google's Firestore and Pub/Sub emulators (from the gcloud SDK local/sdk finds, on the
 * Java it finds) on 127.0.0.1, each in its own process group, and waits until they answer
 * `GET /` with `Ok`. `stop()` terminates the process groups, so no java process outlives the
 * caller. Without an SDK, an emulator or Java: an EmulatorUnavailableError naming the fix.
 */
export async function startEmulators(
  options: StartEmulatorsOptions = {},
): Promise<RunningEmulators> {
  const wanted = options.only ?? ['firestore', 'pubsub'];
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const setup = await emulatorSetup(options);
  const settled = await Promise.allSettled(
    wanted.map(async (kind) => {
      const port = kind === 'firestore' ? options.firestorePort : options.pubsubPort;
      return { kind, ...(await startOne(EMULATORS[kind], setup, port, timeoutMs)) };
    }),
  );
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(started.splice(0).map((s) => stopGroup(s.pgid)));
  };
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return {
    firestoreHost: started.find((r) => r.kind === 'firestore')?.host,
    pubsubHost: started.find((r) => r.kind === 'pubsub')?.host,
    stop,
  };
}

/** Deletes every document of a project's default database in a Firestore emulator. */
export async function clearFirestore(firestoreHost: string, projectId: string): Promise<void> {
  const res = await fetch(
    `http://${firestoreHost}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
    { method: 'DELETE' },
  );
  if (!res.ok) {
    throw new Error(`clearing Firestore emulator data failed: ${res.status} ${await res.text()}`);
  }
}
