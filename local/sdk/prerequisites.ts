import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { EMULATOR_COMPONENTS, EMULATOR_KINDS, type EmulatorKind } from './components.js';
import {
  installEmulatorsFix,
  installJavaFix,
  installKubectlFix,
  installNodeFix,
  installSdkFix,
  installTerraformFix,
} from './fixes.js';
import { currentHost, hostKind, type HostKind, type HostProbe } from './host.js';
import { MIN_JAVA_MAJOR, javaVersion, locateJava, type JavaRuntime } from './java.js';
import {
  describeSdkSource,
  emulatorsIn,
  locateSdk,
  type GcloudInfo,
  type GcloudSdk,
  type SdkSearch,
} from './locate-sdk.js';
import { findOnPath } from './path-lookup.js';

/** The oldest Node.js the project runs on (package.json "engines"). */
export const MIN_NODE_VERSION = '20.19.0';

export type CheckId =
  | 'node'
  | 'gcloud-sdk'
  | 'firestore-emulator'
  | 'pubsub-emulator'
  | 'java'
  | 'ports'
  | 'kubectl'
  | 'terraform'
  | 'state-dir';

/** One prerequisite: ✓ or ✗, and the exact commands that fix a ✗. */
export interface PrerequisiteCheck {
  id: CheckId;
  title: string;
  ok: boolean;
  /** A ✗ keeps the local stack from starting; an optional one only limits what else works. */
  required: boolean;
  /** What was found, or what is wrong. */
  detail: string;
  /** Commands (or, when no command can, one instruction) that fix a ✗. */
  fix?: string[];
  /** The path a ✗ is about, when it is a file that does not exist. */
  missingPath?: string;
}

export interface PrerequisiteReport {
  host: HostKind;
  checks: PrerequisiteCheck[];
  /** Every required check passed. */
  ok: boolean;
  sdk?: GcloudSdk;
  java?: JavaRuntime & { version: string };
}

/** A port the stack was asked to listen on, and the option that asked. */
export interface RequestedPort {
  port: number;
  option: string;
}

export interface PrerequisiteOptions {
  /** The emulators the stack will start (default both; none: neither the SDK nor Java is needed). */
  emulators?: readonly EmulatorKind[];
  /** The SDK's root, chosen by the caller (else CLOUDSDK_ROOT_DIR, gcloud, known places). */
  sdkRoot?: string;
  /** The SDK's platform folder, chosen by the caller: its emulators are checked, no search. */
  sdkPlatformDir?: string;
  /** Ports that must be free on 127.0.0.1. */
  ports?: readonly RequestedPort[];
  /** Also check kubectl and terraform (optional tools; `egressctl doctor`). */
  optionalTools?: boolean;
  host?: HostProbe;
  gcloudInfo?: GcloudInfo;
  /** The Node.js running (default this process's). */
  node?: { version: string; execPath: string };
}

function atLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i] ?? 0, b[i] ?? 0];
    if (x !== y) return x > y;
  }
  return true;
}

function nodeCheck(
  node: { version: string; execPath: string },
  host: HostProbe,
): PrerequisiteCheck {
  const ok = atLeast(node.version, MIN_NODE_VERSION);
  const needs = `needs ${MIN_NODE_VERSION.replace(/\.0$/, '')}+`;
  return {
    id: 'node',
    title: 'Node.js',
    ok,
    required: true,
    detail: `${node.version.replace(/^v/, '')} at ${node.execPath} (${needs})`,
    ...(ok ? {} : { fix: installNodeFix(node.execPath, host) }),
  };
}

function sdkCheck(search: SdkSearch, host: HostProbe): PrerequisiteCheck {
  const base = { id: 'gcloud-sdk', title: 'gcloud SDK', required: true } as const;
  const sdk = search.sdk;
  if (sdk) {
    return {
      ...base,
      ok: true,
      detail:
        `${sdk.version ?? 'version unknown'} at ${sdk.root} ` +
        `(found through ${describeSdkSource(sdk)}; installed with ${sdk.method})`,
    };
  }
  return {
    ...base,
    ok: false,
    detail: search.explicitProblem ?? `not found (looked at ${search.looked.join(', ')})`,
    fix: search.explicitProblem
      ? [
          'export CLOUDSDK_ROOT_DIR=/path/to/google-cloud-sdk (the folder holding bin/gcloud), or unset it',
        ]
      : [
          ...installSdkFix(host),
          'or, when it is installed somewhere else: export CLOUDSDK_ROOT_DIR=/path/to/google-cloud-sdk',
        ],
  };
}

function emulatorChecks(
  kinds: readonly EmulatorKind[],
  emulators: GcloudSdk['emulators'] | undefined,
  fixFor: (kind: EmulatorKind) => string[],
): PrerequisiteCheck[] {
  return kinds.map((emulator): PrerequisiteCheck => {
    const base = {
      id: `${emulator}-emulator` as const,
      title: EMULATOR_COMPONENTS[emulator].title,
      required: true,
    };
    const found = emulators?.[emulator];
    if (!found) return { ...base, ok: false, detail: 'needs the gcloud SDK (above)' };
    if (found.present) return { ...base, ok: true, detail: found.path };
    return {
      ...base,
      ok: false,
      detail: `${found.path} does not exist`,
      missingPath: found.path,
      fix: fixFor(emulator),
    };
  });
}

async function javaCheck(
  host: HostProbe,
): Promise<{ check: PrerequisiteCheck; java?: JavaRuntime & { version: string } }> {
  const base = { id: 'java', title: 'Java', required: true } as const;
  const fix = installJavaFix(host);
  const found = await locateJava(host);
  if ('problem' in found) {
    return { check: { ...base, ok: false, detail: found.problem, fix } };
  }
  const version = await javaVersion(found.java.path, host.env);
  if ('problem' in version) {
    return { check: { ...base, ok: false, detail: version.problem, fix } };
  }
  const needs = `needs ${MIN_JAVA_MAJOR}+`;
  const detail = `${version.version} at ${found.java.path} (${needs})`;
  if (version.major < MIN_JAVA_MAJOR) {
    return {
      check: {
        ...base,
        ok: false,
        detail: `${detail}: too old`,
        fix: [...fix, 'then point JAVA_HOME at the new runtime (or put its bin/ first on PATH)'],
      },
    };
  }
  return {
    check: { ...base, ok: true, detail },
    java: { ...found.java, version: version.version },
  };
}

function listen(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
}

async function portsCheck(
  ports: readonly RequestedPort[],
  host: HostProbe,
): Promise<PrerequisiteCheck> {
  const base = { id: 'ports', title: 'Ports on 127.0.0.1', required: true } as const;
  const loopback = await listen(0);
  if (loopback) {
    return {
      ...base,
      ok: false,
      detail: `cannot listen on 127.0.0.1: ${loopback.message}`,
      fix: ['bring the loopback interface up: sudo ip link set lo up'],
    };
  }
  const busy: RequestedPort[] = [];
  for (const requested of ports) {
    if ((await listen(requested.port))?.code === 'EADDRINUSE') busy.push(requested);
  }
  if (busy.length === 0) {
    const named = ports.map((p) => `${p.port} (${p.option})`).join(', ');
    return {
      ...base,
      ok: true,
      detail: named ? `free: ${named}` : 'free ports available (the stack picks its own)',
    };
  }
  const who = (port: number) =>
    host.platform === 'darwin'
      ? `lsof -nP -iTCP:${port} -sTCP:LISTEN`
      : `ss -ltnp 'sport = :${port}'`;
  return {
    ...base,
    ok: false,
    detail: `in use: ${busy.map((p) => `${p.port} (${p.option})`).join(', ')}`,
    fix: busy.map(
      (p) =>
        `stop what listens on ${p.port} (${who(p.port)}), or choose another ${p.option} (0 picks a free one)`,
    ),
  };
}

function toolVersion(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pick: (stdout: string) => string | undefined,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(path, args, { env, timeout: 15_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        resolve(pick(stdout));
      } catch {
        resolve(undefined);
      }
    });
  });
}

async function optionalToolChecks(
  host: HostProbe,
  sdk: GcloudSdk | undefined,
): Promise<PrerequisiteCheck[]> {
  const tools = [
    {
      id: 'kubectl' as const,
      why: 'your own kubectl against the simulated clusters',
      args: ['version', '--client', '-o', 'json'],
      pick: (out: string) =>
        (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion,
      fix: installKubectlFix(sdk, host),
    },
    {
      id: 'terraform' as const,
      why: "deploying the service's own infrastructure (infra/)",
      args: ['version', '-json'],
      pick: (out: string) => (JSON.parse(out) as { terraform_version?: string }).terraform_version,
      fix: installTerraformFix(host),
    },
  ];
  return Promise.all(
    tools.map(async (tool): Promise<PrerequisiteCheck> => {
      const base = { id: tool.id, title: tool.id, required: false };
      const path = findOnPath(tool.id, host.env, host.executable);
      if (!path) {
        return { ...base, ok: false, detail: `not on PATH (optional: ${tool.why})`, fix: tool.fix };
      }
      // CHECKPOINT_DISABLE: terraform would otherwise ask HashiCorp for a newer version.
      const env = { ...host.env, CHECKPOINT_DISABLE: '1' };
      const version = await toolVersion(path, tool.args, env, tool.pick);
      return {
        ...base,
        ok: version !== undefined,
        detail: version
          ? `${version} at ${path}`
          : `${path} does not answer ${tool.id} ${tool.args.join(' ')} (optional: ${tool.why})`,
        ...(version ? {} : { fix: tool.fix }),
      };
    }),
  );
}

/**
 * Checks what the local stack needs on this machine — Node.js, the gcloud SDK with the
 * emulators it will start, Java, free ports — and, for `egressctl doctor`, the optional tools.
 * Every ✗ names the commands that fix it for this machine and the way its SDK was installed.
 */
export async function checkPrerequisites(
  options: PrerequisiteOptions = {},
): Promise<PrerequisiteReport> {
  const host = options.host ?? currentHost();
  const kinds = options.emulators ?? EMULATOR_KINDS;
  const node = options.node ?? { version: process.version, execPath: process.execPath };
  const kind = hostKind(host);
  const locate = (sdkRoot: string | undefined) =>
    locateSdk({
      ...(sdkRoot ? { sdkRoot } : {}),
      host,
      ...(options.gcloudInfo ? { gcloudInfo: options.gcloudInfo } : {}),
    });
  const needsSdk = kinds.length > 0;
  const sdkLines: PrerequisiteCheck[] = [];
  let sdk: GcloudSdk | undefined;
  if (needsSdk && options.sdkPlatformDir) {
    // The caller chose the platform folder: its emulators are the ones checked and started.
    const parent = (await locate(dirname(options.sdkPlatformDir))).sdk;
    sdkLines.push(
      ...emulatorChecks(kinds, emulatorsIn(options.sdkPlatformDir, host), (emulator) =>
        parent ? installEmulatorsFix(parent, [emulator], host) : installSdkFix(host),
      ),
    );
  } else if (needsSdk) {
    const search = await locate(options.sdkRoot);
    sdk = search.sdk;
    sdkLines.push(
      sdkCheck(search, host),
      ...emulatorChecks(kinds, sdk?.emulators, (emulator) =>
        installEmulatorsFix(sdk!, [emulator], host),
      ),
    );
  }
  const [java, ports, optional] = await Promise.all([
    needsSdk ? javaCheck(host) : undefined,
    portsCheck(options.ports ?? [], host),
    options.optionalTools ? optionalToolChecks(host, sdk) : [],
  ]);
  const checks = [
    nodeCheck(node, host),
    ...sdkLines,
    ...(java ? [java.check] : []),
    ports,
    ...optional,
  ];
  return {
    host: kind,
    checks,
    ok: checks.every((c) => c.ok || !c.required),
    ...(sdk ? { sdk } : {}),
    ...(java?.java ? { java: java.java } : {}),
  };
}
