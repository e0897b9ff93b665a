import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EMULATOR_COMPONENTS, EMULATOR_KINDS, type EmulatorKind } from './components.js';
import { currentHost, type HostProbe } from './host.js';
import { detectInstallMethod, type InstallMethod } from './install-method.js';
import { SDK_SEARCH_PATH_VARIABLE, knownSdkRoots } from './known-layouts.js';
import { findOnPath } from './path-lookup.js';

/** How the SDK was found, in the order they are tried. */
export type SdkSource =
  | 'option'
  | 'CLOUDSDK_ROOT_DIR'
  | 'gcloud on PATH'
  | 'gcloud info'
  | 'known place'
  | typeof SDK_SEARCH_PATH_VARIABLE;

/** A gcloud SDK and what the local stack needs of it. */
export interface GcloudSdk {
  root: string;
  /** `<root>/platform`, where the emulators are. */
  platformDir: string;
  source: SdkSource;
  method: InstallMethod;
  /** `<root>/VERSION`, when readable. */
  version?: string;
  /** How to run this SDK's gcloud in a fix: `gcloud` when PATH's is this one, else its path. */
  gcloudCommand: string;
  /** Each emulator's launcher script, and whether it is there. */
  emulators: Record<EmulatorKind, { path: string; present: boolean }>;
}

/** The outcome of {@link locateSdk}. */
export interface SdkSearch {
  sdk?: GcloudSdk;
  /** Each place looked at, in order, for a message when none holds an SDK. */
  looked: string[];
  /** When an explicit choice (the option, CLOUDSDK_ROOT_DIR) holds no SDK: what is wrong. */
  explicitProblem?: string;
}

/** Runs `gcloud info` for the SDK root; undefined when it fails. */
export type GcloudInfo = (gcloud: string, env: NodeJS.ProcessEnv) => Promise<string | undefined>;

export interface LocateSdkOptions {
  /** The SDK's root, chosen by the caller: tried first, and alone. */
  sdkRoot?: string;
  host?: HostProbe;
  gcloudInfo?: GcloudInfo;
}

/** `gcloud info --format=value(installation.sdk_root)`: about half a second. */
export const runGcloudInfo: GcloudInfo = (gcloud, env) =>
  new Promise((resolve) => {
    execFile(
      gcloud,
      ['info', '--format=value(installation.sdk_root)'],
      { env, timeout: 20_000 },
      (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined),
    );
  });

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Whether `dir` looks like a gcloud SDK root (or a copy of its emulators' part). */
function holdsSdk(dir: string, host: HostProbe): boolean {
  return ['bin/gcloud', 'lib/googlecloudsdk', 'platform'].some((p) => host.exists(join(dir, p)));
}

/** Each emulator's launcher in an SDK's platform folder, and whether it is there. */
export function emulatorsIn(platformDir: string, host: HostProbe): GcloudSdk['emulators'] {
  return Object.fromEntries(
    EMULATOR_KINDS.map((kind) => {
      const path = join(platformDir, EMULATOR_COMPONENTS[kind].launcher);
      return [kind, { path, present: host.executable(path) }];
    }),
  ) as GcloudSdk['emulators'];
}

function describe(root: string, source: SdkSource, host: HostProbe): GcloudSdk {
  const platformDir = join(root, 'platform');
  const emulators = emulatorsIn(platformDir, host);
  let version: string | undefined;
  try {
    version = readFileSync(join(root, 'VERSION'), 'utf8').trim() || undefined;
  } catch {
    version = undefined;
  }
  const own = join(root, 'bin', 'gcloud');
  const onPath = findOnPath('gcloud', host.env, host.executable);
  return {
    root,
    platformDir,
    source,
    method: detectInstallMethod(root, host),
    ...(version ? { version } : {}),
    gcloudCommand: onPath && realpath(onPath) === realpath(own) ? 'gcloud' : own,
    emulators,
  };
}

const complete = (sdk: GcloudSdk) => EMULATOR_KINDS.every((k) => sdk.emulators[k].present);

/**
 * Finds the gcloud SDK whose emulators the local stack runs:
 * 1. the caller's `sdkRoot`, else `CLOUDSDK_ROOT_DIR` (gcloud's own variable): when set, that
 *    one alone, even without emulators, since someone chose it;
 * 2. the SDK of the `gcloud` on PATH: its real path (`<root>/bin/gcloud`), else what
 *    `gcloud info` says its root is (a snap's or a wrapper's gcloud);
 * 3. the places the installers use ({@link knownSdkRoots}, or `EGRESS_SDK_SEARCH_PATH`).
 * Of 2 and 3, the first SDK holding both emulators wins, else the first SDK found, so that
 * the fix names the install method of the SDK the user has.
 */
export async function locateSdk(options: LocateSdkOptions = {}): Promise<SdkSearch> {
  const host = options.host ?? currentHost();
  const looked: string[] = [];
  const explicit: [SdkSource, string | undefined] = options.sdkRoot
    ? ['option', options.sdkRoot]
    : ['CLOUDSDK_ROOT_DIR', host.env.CLOUDSDK_ROOT_DIR || undefined];
  if (explicit[1]) {
    const [source, root] = explicit as [SdkSource, string];
    looked.push(`${root} (${source})`);
    if (holdsSdk(root, host)) return { sdk: describe(root, source, host), looked };
    return {
      looked,
      explicitProblem: `${source === 'option' ? 'the SDK root given' : source} ${root} holds no gcloud SDK (no bin/gcloud, lib/googlecloudsdk or platform/)`,
    };
  }
  const found: GcloudSdk[] = [];
  const consider = (root: string, source: SdkSource): boolean => {
    if (found.some((sdk) => realpath(sdk.root) === realpath(root))) return false;
    if (!holdsSdk(root, host)) return false;
    const sdk = describe(root, source, host);
    found.push(sdk);
    return complete(sdk);
  };

  const gcloud = findOnPath('gcloud', host.env, host.executable);
  looked.push(gcloud ? `the SDK of ${gcloud} (gcloud on PATH)` : 'gcloud on PATH: none');
  if (gcloud) {
    const root = dirname(dirname(realpath(gcloud)));
    const viaPath = host.exists(join(root, 'lib', 'googlecloudsdk'));
    if (viaPath && consider(root, 'gcloud on PATH')) return { sdk: found[0]!, looked };
    if (!viaPath) {
      const reported = await (options.gcloudInfo ?? runGcloudInfo)(gcloud, host.env);
      if (reported && consider(reported, 'gcloud info')) return { sdk: found.at(-1)!, looked };
    }
  }
  const overridden = host.env[SDK_SEARCH_PATH_VARIABLE] !== undefined;
  for (const root of knownSdkRoots(host)) {
    looked.push(root);
    if (consider(root, overridden ? SDK_SEARCH_PATH_VARIABLE : 'known place')) {
      return { sdk: found.at(-1)!, looked };
    }
  }
  return found[0] ? { sdk: found[0], looked } : { looked };
}

/** How an SDK was found, in words. */
export function describeSdkSource(sdk: GcloudSdk): string {
  switch (sdk.source) {
    case 'option':
      return 'the SDK root given';
    case 'CLOUDSDK_ROOT_DIR':
      return 'CLOUDSDK_ROOT_DIR';
    case 'gcloud on PATH':
      return 'the gcloud on PATH';
    case 'gcloud info':
      return "gcloud info's sdk_root";
    case 'known place':
      return 'a known install location';
    default:
      return SDK_SEARCH_PATH_VARIABLE;
  }
}
