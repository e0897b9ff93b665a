import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The parts of the local stack `--only` can pick. */
export const STACK_PARTS = ['emulators', 'gcp', 'kube', 'functions', 'workflows'] as const;

/** One part of the local stack. */
export type StackPart = (typeof STACK_PARTS)[number];

/**
 * The default time scale: Google's durations × 0.05, so the tutorial's critical path (about
 * 11 minutes of API operations, docs/architecture.md "Performance") takes well under a minute.
 */
export const DEFAULT_TIME_SCALE = 0.05;

/** Topic the `api` function publishes environment requests to (Eventarc → workflows). */
export const ENVIRONMENT_REQUESTS_TOPIC = 'environment-requests';

/** Default state directory of `egressctl local ...` (git-ignored). */
export const DEFAULT_STATE_DIR = '.local';

/** A problem that keeps the stack from starting, meant for the user as it is. */
export class StackStartError extends Error {
  override readonly name = 'StackStartError';
}

/** Where a running stack listens, as `<stateDir>/stack.json` records it. */
export interface StackEndpoints {
  /** `host:port` of the Firestore emulator. */
  firestoreHost?: string;
  /** `host:port` of the Pub/Sub emulator. */
  pubsubHost?: string;
  /** The GCP API simulator, `http://127.0.0.1:P`. */
  gcp?: string;
  /** The functions host: every function under `/<name>`. */
  functions?: string;
  /** The `api` function: `EGRESS_API_URL`. */
  api?: string;
  /** The local Workflow Executions API. */
  executions?: string;
  /** The Eventarc bridge (push endpoint of `environment-requests`). */
  eventarc?: string;
  /** Kubernetes API simulators by cluster name. */
  clusters: Record<string, string>;
  /**
   * The metadata server stand-in (local/metadata), `http://127.0.0.1:P`, as the launcher's
   * process and `local env` shells see it (GCE_METADATA_HOST); its JWKS is at `/oauth2/v3/certs`.
   */
  metadata?: string;
  /** The metadata server's listener of each service account (email → URL). */
  metadataAccounts?: Record<string, string>;
}

/** `<stateDir>/stack.json`: what `local env|status|down` and `egressctl up` attach to. */
export interface StackInfo {
  version: 1;
  /** The process that runs the stack (`local up`, or `egressctl up` that started it). */
  pid: number;
  /** Process groups of the stack's child processes (emulators, functions host). */
  processGroups: number[];
  startedAt: string;
  /** Absolute state directory. */
  stateDir: string;
  /** The service's own project (Firestore, Pub/Sub, Workflows). */
  projectId: string;
  /** Project the gcloud CLI defaults to (the environment's project). */
  gcloudProject: string;
  location: string;
  /** Multiplier of Google's real durations (0 = instant, 1 = real time). */
  timeScale: number;
  parts: StackPart[];
  endpoints: StackEndpoints;
  /** Set once every part answers; absent while starting. */
  ready: boolean;
}

/** Paths of the files a stack keeps in its state directory. */
export interface StackPaths {
  stateDir: string;
  info: string;
  env: string;
  kubeconfig: string;
  gcloudConfig: string;
  functionsLog: string;
}

/** The files of a state directory (resolved to absolute paths). */
export function stackPaths(stateDir: string = DEFAULT_STATE_DIR): StackPaths {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    info: join(dir, 'stack.json'),
    env: join(dir, 'env'),
    kubeconfig: join(dir, 'kubeconfig'),
    gcloudConfig: join(dir, 'gcloud'),
    functionsLog: join(dir, 'functions.log'),
  };
}

/** Writes a file atomically (rename), so a reader never sees half of it. */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode });
  await rename(`${path}.tmp`, path);
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads `<stateDir>/stack.json`; undefined when there is none or it is not JSON. */
export function readStackInfo(stateDir: string = DEFAULT_STATE_DIR): StackInfo | undefined {
  const { info } = stackPaths(stateDir);
  if (!existsSync(info)) return undefined;
  try {
    return JSON.parse(readFileSync(info, 'utf8')) as StackInfo;
  } catch {
    return undefined;
  }
}

/** The stack of a state directory when its process still runs; a stale record counts as none. */
export function runningStack(stateDir: string = DEFAULT_STATE_DIR): StackInfo | undefined {
  const info = readStackInfo(stateDir);
  return info && processAlive(info.pid) ? info : undefined;
}

function quote(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The variables that point gcloud, kubectl, the emulator clients and egressctl at a stack
 * (docs/architecture.md "The gcloud CLI against a local HTTP server"), in a stable order.
 */
export function stackVariables(info: StackInfo): Array<[string, string]> {
  const paths = stackPaths(info.stateDir);
  const vars: Array<[string, string]> = [];
  const { endpoints } = info;
  if (endpoints.gcp) {
    const gcp = endpoints.gcp;
    vars.push(
      ['CLOUDSDK_CONFIG', paths.gcloudConfig],
      ['CLOUDSDK_CORE_DISABLE_PROMPTS', '1'],
      ['CLOUDSDK_AUTH_DISABLE_CREDENTIALS', 'true'],
      ['CLOUDSDK_CORE_PROJECT', info.gcloudProject],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE', `${gcp}/compute/v1/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER', `${gcp}/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS', `${gcp}/dns/v1/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM', `${gcp}/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER', `${gcp}/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE', `${gcp}/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_GKEHUB', `${gcp}/`],
      ['CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE', `${gcp}/storage/v1/`],
    );
  }
  if (info.parts.includes('kube')) {
    vars.push(['KUBECONFIG', paths.kubeconfig]);
  }
  if (endpoints.metadata) {
    const host = new URL(endpoints.metadata).host;
    vars.push(['GCE_METADATA_HOST', host], ['GCE_METADATA_IP', host]);
  }
  if (endpoints.firestoreHost) vars.push(['FIRESTORE_EMULATOR_HOST', endpoints.firestoreHost]);
  if (endpoints.pubsubHost) vars.push(['PUBSUB_EMULATOR_HOST', endpoints.pubsubHost]);
  if (endpoints.api) vars.push(['EGRESS_API_URL', endpoints.api]);
  if (endpoints.executions) vars.push(['WORKFLOWS_API_ENDPOINT', endpoints.executions]);
  vars.push(['EGRESS_STATE_DIR', info.stateDir]);
  return vars;
}

/** `export NAME=value` lines for a POSIX shell (`eval "$(egressctl local env)"`). */
export function exportLines(info: StackInfo): string {
  return stackVariables(info)
    .map(([name, value]) => `export ${name}=${quote(value)}\n`)
    .join('');
}

/** Writes stack.json and the env file. */
export async function writeStackFiles(info: StackInfo): Promise<void> {
  const paths = stackPaths(info.stateDir);
  await mkdir(paths.stateDir, { recursive: true });
  await mkdir(paths.gcloudConfig, { recursive: true });
  await writeFileAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`);
  await writeFileAtomic(paths.env, exportLines(info));
}

/** Removes what says a stack runs here (stack.json, env); kubeconfig and logs stay for reading. */
export async function removeStackFiles(stateDir: string): Promise<void> {
  const paths = stackPaths(stateDir);
  await rm(paths.info, { force: true });
  await rm(paths.env, { force: true });
}
