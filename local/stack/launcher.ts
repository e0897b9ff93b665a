import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { findFreePort, startEmulators, type RunningEmulators } from '../emulators.js';
import {
  createPushSubscription,
  executionsClientStarter,
  startEventarcBridge,
  type EventarcBridge,
} from '../eventarc/index.js';
import {
  localExecutionsClient,
  startExecutionsServer,
  type ExecutionsServer,
} from '../executions/index.js';
import { SeedError, startGcpSimulator, type GcpSimulator, type SimSeed } from '../gcp/index.js';
import {
  accessTokenPrincipal,
  metadataEnv,
  stackIdentities,
  startMetadataServer,
  type MetadataServer,
} from '../metadata/index.js';
import {
  checkPrerequisites,
  describeSdkSource,
  formatStartFailure,
  type PrerequisiteReport,
  type RequestedPort,
} from '../sdk/index.js';
import { startClusterFleet, type ClusterFleet } from './clusters.js';
import { startFunctionHosts, type FunctionHosts } from './function-hosts.js';
import {
  DEFAULT_STATE_DIR,
  DEFAULT_TIME_SCALE,
  ENVIRONMENT_REQUESTS_TOPIC,
  STACK_PARTS,
  StackStartError,
  processAlive,
  removeStackFiles,
  runningStack,
  stackPaths,
  writeStackFiles,
  type StackInfo,
  type StackPart,
} from './state-files.js';

/** Ports of the stack's servers; a free one for each left out. */
export interface StackPorts {
  firestore?: number;
  pubsub?: number;
  gcp?: number;
  functions?: number;
  executions?: number;
  eventarc?: number;
  /** The metadata server's listener of the launcher's own identity (`endpoints.metadata`). */
  metadata?: number;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Directory of stack.json, env, kubeconfig, logs. Default `.local`. */
  stateDir?: string;
  /**
   * Multiplier of Google's real durations: 0 = instant operations, 1 = real time. Workflows
   * sleep `timeScale` times as long (time inside executions runs 1/timeScale times faster).
   */
  timeScale?: number;
  /** Parts to start (with the parts they need); default all. */
  only?: readonly StackPart[];
  ports?: StackPorts;
  /** The service's own project (Firestore, Pub/Sub, Workflows). Default `egress-local`. */
  projectId?: string;
  /** Project gcloud defaults to in `local env`. Default `tutorial-project`. */
  gcloudProject?: string;
  /** Workflows location. Default `us-central1`. */
  location?: string;
  /** Receives progress lines ("gcp simulator listening on ..."). */
  log?: (line: string) => void;
  /**
   * The gcloud SDK's root (default: CLOUDSDK_ROOT_DIR, else the SDK of the gcloud on PATH, else
   * the installers' places; local/sdk).
   */
  sdkRoot?: string;
  /** The gcloud SDK's `platform` directory holding the emulators, instead of finding the SDK. */
  sdkPlatformDir?: string;
  /**
   * Resources the GCP simulator starts with (buckets the tutorial's user makes by hand): see
   * local/gcp/seed.ts. A seed that does not validate fails the start with a StackStartError.
   */
  seed?: SimSeed;
}

/**
 * The parts that can stop and start again while the rest of the stack runs: `workflows` (the
 * Executions API and the Eventarc bridge), whose state is kept in the state directory. The
 * emulators and simulators keep theirs in memory.
 */
export type RestartablePart = 'workflows';

/** A running local stack. */
export interface LocalStack {
  info: StackInfo;
  /** The GCP simulator, when started (in this process). */
  gcp?: GcpSimulator;
  /** The Kubernetes simulators, when started. */
  fleet?: ClusterFleet;
  /** The Executions API; replaced by a new server when the workflows part starts again. */
  executions?: ExecutionsServer;
  /** The Eventarc bridge; replaced like {@link LocalStack.executions}. */
  eventarc?: EventarcBridge;
  /** The metadata server stand-in (local/metadata): every process's credentials. */
  metadata?: MetadataServer;
  /**
   * Stops one part while the others run, leaving its state as a killed process would: the
   * executions running stay ACTIVE in `<stateDir>/executions.json`, deliveries in
   * `<stateDir>/eventarc-deliveries.json`. Meanwhile Pub/Sub keeps redelivering to the bridge and
   * the functions' calls to the Executions API fail as connection errors. No-op when stopped.
   */
  stopPart(part: RestartablePart): Promise<void>;
  /**
   * Starts a part {@link LocalStack.stopPart} stopped, on the same ports: the Executions API
   * replays every execution left ACTIVE, from its first step, under the same id. No-op when running.
   */
  startPart(part: RestartablePart): Promise<void>;
  /** Stops every part in reverse order and removes stack.json; safe to call twice. */
  stop(): Promise<void>;
}

/** What each part needs running first. */
const NEEDS: Record<StackPart, StackPart[]> = {
  emulators: [],
  gcp: [],
  kube: [],
  functions: ['emulators'],
  workflows: ['functions', 'emulators'],
};

/** The parts to start: the ones asked for plus what they need, in {@link STACK_PARTS} order. */
export function resolveParts(only?: readonly StackPart[]): StackPart[] {
  if (!only || only.length === 0) return [...STACK_PARTS];
  const wanted = new Set<StackPart>();
  const visit = (part: StackPart) => {
    if (wanted.has(part)) return;
    wanted.add(part);
    NEEDS[part].forEach(visit);
  };
  only.forEach(visit);
  return STACK_PARTS.filter((p) => wanted.has(p));
}

/**
 * The speed-up of time inside workflow executions for a time scale: its inverse, or 100 for 0
 * (instant operations), so that step deadlines (3600 simulated s = 36 real s) keep a margin.
 */
export function workflowSpeedUp(timeScale: number): number {
  return timeScale > 0 ? 1 / timeScale : 100;
}

/** The CLI option that sets each port, for messages (`local up --port`, `--api-port`). */
const PORT_OPTIONS: Record<keyof StackPorts, string> = {
  firestore: 'ports.firestore',
  pubsub: 'ports.pubsub',
  gcp: '--port',
  functions: '--api-port',
  executions: 'ports.executions',
  eventarc: 'ports.eventarc',
  metadata: 'ports.metadata',
};

/**
 * Checks what the parts need on this machine before anything starts (local/sdk): the gcloud
 * SDK, its emulators and Java for `emulators`, and the ports asked for. A StackStartError names
 * each missing prerequisite and the command that installs it, as `egressctl doctor` does.
 */
export async function checkStackPrerequisites(
  parts: readonly StackPart[],
  options: Pick<LocalStackOptions, 'sdkRoot' | 'sdkPlatformDir' | 'ports'>,
): Promise<PrerequisiteReport> {
  const ports: RequestedPort[] = Object.entries(options.ports ?? {}).flatMap(([name, port]) =>
    port ? [{ port, option: PORT_OPTIONS[name as keyof StackPorts] }] : [],
  );
  const report = await checkPrerequisites({
    emulators: parts.includes('emulators') ? ['firestore', 'pubsub'] : [],
    ...(options.sdkRoot ? { sdkRoot: options.sdkRoot } : {}),
    ...(options.sdkPlatformDir ? { sdkPlatformDir: options.sdkPlatformDir } : {}),
    ports,
  });
  if (!report.ok) throw new StackStartError(formatStartFailure(report));
  return report;
}

/**
 * Watches the child processes of a running stack, and so holds this process open until stop().
 * The children are detached and unref'd (each leads its own process group, and neither it nor
 * its pipes may keep a caller alive), so a process whose only work is a stack without an
 * in-process server (`egressctl local up --only functions`) would otherwise have an empty event
 * loop: Node would end it with exit code 13 (an unsettled top-level await) and take the stack
 * down. A child that dies meanwhile is reported through the stack's log.
 */
function superviseChildren(log: (line: string) => void): {
  watch(name: string, pid: number, logFile: string): void;
  stop(): void;
} {
  const children: Array<{ name: string; pid: number; logFile: string }> = [];
  const timer = setInterval(() => {
    for (const child of children.splice(0)) {
      if (processAlive(child.pid)) children.push(child);
      else log(`${child.name} (pid ${child.pid}) exited; see ${child.logFile}`);
    }
  }, 1_000);
  return {
    watch: (name, pid, logFile) => children.push({ name, pid, logFile }),
    stop: () => clearInterval(timer),
  };
}

/**
 * Starts the local stack, in order: the Firestore and Pub/Sub emulators, the GCP simulator
 * (each cluster it creates served by its own Kubernetes simulator), the functions host (every
 * function of functions/ under one URL), the local Executions API over workflows/, and the
 * Eventarc bridge with its topic and push subscription (environment-requests → bridge →
 * provision/teardown workflow; each environment's tenants-<env> topic → tenant-events comes
 * with its tenants step, through the GCP simulator's Pub/Sub API). Writes
 * `<stateDir>/stack.json`, `<stateDir>/env` (export lines) and `<stateDir>/kubeconfig`.
 *
 * Child processes (emulators, functions host) lead their own process groups and die with this
 * process even when it is killed; `stop()` ends them and every server.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  if (!(timeScale >= 0) || !Number.isFinite(timeScale)) {
    throw new StackStartError(`timeScale must be a number >= 0, got ${timeScale}`);
  }
  const parts = resolveParts(options.only);
  const has = (part: StackPart) => parts.includes(part);
  const paths = stackPaths(options.stateDir ?? DEFAULT_STATE_DIR);
  const log = options.log ?? (() => {});
  const ports = options.ports ?? {};
  const projectId = options.projectId ?? 'egress-local';
  const location = options.location ?? 'us-central1';

  const other = runningStack(paths.stateDir);
  if (other && other.pid !== process.pid) {
    throw new StackStartError(
      `a local stack already runs with state dir ${paths.stateDir} (pid ${other.pid}); ` +
        `stop it with: egressctl local down --state-dir ${paths.stateDir}`,
    );
  }
  const prerequisites = await checkStackPrerequisites(parts, { ...options, ports });
  if (prerequisites.sdk) {
    const { sdk, java } = prerequisites;
    log(
      `gcloud SDK${sdk.version ? ` ${sdk.version}` : ''} at ${sdk.root} (found through ${describeSdkSource(sdk)})` +
        (java ? `; Java ${java.version} at ${java.path}` : ''),
    );
  }
  await mkdir(paths.stateDir, { recursive: true });

  const info: StackInfo = {
    version: 1,
    pid: process.pid,
    processGroups: [],
    startedAt: new Date().toISOString(),
    stateDir: paths.stateDir,
    projectId,
    gcloudProject: options.gcloudProject ?? 'tutorial-project',
    location,
    timeScale,
    parts,
    endpoints: { clusters: {} },
    ready: false,
  };
  const stops: Array<() => Promise<void>> = [];
  let stopped = false;
  const supervisor = superviseChildren(log);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // First: the children are stopped on purpose now, which is nothing to report.
    supervisor.stop();
    for (const step of stops.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`stop: ${(error as Error).message}`);
      }
    }
    await removeStackFiles(paths.stateDir);
  };
  const save = () => (stopped ? Promise.resolve() : writeStackFiles(info));
  let workflowsPart: { stop(): Promise<void> } | undefined;
  let startWorkflowsPart: (() => Promise<void>) | undefined;
  const restartable = (part: RestartablePart, action: string) => {
    if (part !== 'workflows')
      throw new StackStartError(`only the workflows part can ${action} alone, not "${part}"`);
    if (!startWorkflowsPart)
      throw new StackStartError(`this stack runs no workflows part (parts: ${parts.join(', ')})`);
    if (stopped) throw new StackStartError('the stack is stopped');
  };
  const stack: LocalStack = {
    info,
    stop,
    async stopPart(part) {
      restartable(part, 'stop');
      const running = workflowsPart;
      workflowsPart = undefined;
      if (!running) return;
      await running.stop();
      log('workflows part stopped (executions left ACTIVE are replayed when it starts again)');
    },
    async startPart(part) {
      restartable(part, 'start');
      if (!workflowsPart) await startWorkflowsPart!();
    },
  };

  try {
    // First the metadata server stand-in: every process of the stack (this one included) finds
    // its credentials on 127.0.0.1 through GCE_METADATA_HOST, so Google's auth libraries never
    // probe 169.254.169.254 or metadata.google.internal, and METADATA_SERVER_DETECTION=none is
    // not needed (it would hide this server: the libraries would not look at all).
    const identities = stackIdentities(projectId, location);
    const metadata = startMetadataServer({ projectId, region: location });
    stops.push(() => metadata.close());
    stack.metadata = metadata;
    const launcherIdentity = await metadata.endpointFor(identities.launcher, ports.metadata ?? 0);
    // Each account that runs functions gets its own listener: its host process's credentials.
    const functionIdentities = new Map(
      await Promise.all(
        identities.functionGroups.map(
          async (group) =>
            [group.serviceAccount, await metadata.endpointFor(group.serviceAccount)] as const,
        ),
      ),
    );
    await metadata.endpointFor(identities.workflows);
    await metadata.endpointFor(identities.events);
    // The local user (the API's caller here): `egressctl local token` hands out its tokens.
    await metadata.endpointFor(identities.localUser);
    const saved = Object.fromEntries(
      ['GCE_METADATA_HOST', 'GCE_METADATA_IP', 'METADATA_SERVER_DETECTION'].map((name) => [
        name,
        process.env[name],
      ]),
    );
    stops.push(async () => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    Object.assign(process.env, metadataEnv(launcherIdentity));
    delete process.env.METADATA_SERVER_DETECTION;
    info.endpoints.metadata = launcherIdentity.url;
    info.endpoints.metadataAccounts = Object.fromEntries(
      metadata.endpoints().map((e) => [e.email, e.url]),
    );
    // Worded without "listening on": callers take the first such line for the GCP simulator's.
    log(
      `metadata server at ${launcherIdentity.url} (GCE_METADATA_HOST), as ${identities.launcher}`,
    );
    await save();

    let emulators: RunningEmulators | undefined;
    if (has('emulators')) {
      const platformDir = options.sdkPlatformDir ?? prerequisites.sdk?.platformDir;
      emulators = await startEmulators({
        ...(platformDir ? { sdkPlatformDir: platformDir } : {}),
        ...(prerequisites.java ? { java: prerequisites.java } : {}),
        ...(ports.firestore ? { firestorePort: ports.firestore } : {}),
        ...(ports.pubsub ? { pubsubPort: ports.pubsub } : {}),
      });
      stops.push(() => emulators!.stop());
      info.endpoints.firestoreHost = emulators.firestoreHost;
      info.endpoints.pubsubHost = emulators.pubsubHost;
      log(`firestore emulator listening on ${emulators.firestoreHost}`);
      log(`pubsub emulator listening on ${emulators.pubsubHost}`);
    }

    if (has('kube')) {
      const fleet = startClusterFleet({
        kubeconfigPath: paths.kubeconfig,
        log,
        onChange: async (clusters) => {
          info.endpoints.clusters = Object.fromEntries(
            [...clusters].map(([name, sim]) => [name, sim.url]),
          );
          await save();
        },
      });
      stops.push(() => fleet.close());
      stack.fleet = fleet;
      // Without the GCP simulator nobody creates clusters: serve one right away.
      if (!has('gcp')) await fleet.add('kube-simulator');
    }

    if (has('gcp')) {
      let gcp: GcpSimulator;
      try {
        gcp = await startGcpSimulator({
          timeScale,
          ...(ports.gcp ? { port: ports.gcp } : {}),
          ...(stack.fleet ? { hooks: stack.fleet.hooks } : {}),
          ...(options.seed ? { seed: options.seed } : {}),
          // Its Pub/Sub API fronts the emulator and authorizes publishers by their tokens.
          ...(info.endpoints.pubsubHost ? { pubsubEmulatorHost: info.endpoints.pubsubHost } : {}),
          verifyAccessToken: accessTokenPrincipal(metadata.issuer.jwks()),
        });
      } catch (error) {
        if (error instanceof SeedError) throw new StackStartError(error.message);
        throw error;
      }
      stops.push(() => gcp.close());
      stack.gcp = gcp;
      info.endpoints.gcp = gcp.url;
      log(`gcp simulator listening on ${gcp.url}`);
      const buckets = options.seed?.buckets ?? [];
      if (buckets.length > 0) {
        log(`gcp simulator seeded with bucket(s) ${buckets.map((b) => b.name).join(', ')}`);
      }
    }

    // The functions need the Executions API's address when they start, before it runs.
    const executionsPort = has('workflows')
      ? (ports.executions ?? (await findFreePort()))
      : undefined;
    let functions: FunctionHosts | undefined;
    if (has('functions')) {
      const functionsPort = ports.functions ?? (await findFreePort());
      functions = await startFunctionHosts({
        port: functionsPort,
        logFile: paths.functionsLog,
        tag: paths.stateDir,
        // One host process per account, as the manifest runs them (local/stack/function-hosts.ts).
        groups: identities.functionGroups.map((group) => ({
          ...group,
          env: metadataEnv(functionIdentities.get(group.serviceAccount)!),
        })),
        env: {
          GOOGLE_CLOUD_PROJECT: projectId,
          EGRESS_LOCATION: location,
          EGRESS_AUTH: 'disabled-local',
          // The example's project (examples/tutorial); override to serve others locally.
          EGRESS_SERVED_PROJECTS: process.env.EGRESS_SERVED_PROJECTS ?? 'tutorial-project',
          FIRESTORE_EMULATOR_HOST: info.endpoints.firestoreHost!,
          PUBSUB_EMULATOR_HOST: info.endpoints.pubsubHost!,
          EGRESS_ENVIRONMENT_REQUESTS_TOPIC: ENVIRONMENT_REQUESTS_TOPIC,
          ...(info.endpoints.gcp ? { EGRESS_GCP_ENDPOINT: info.endpoints.gcp } : {}),
          // Each environment's tenant topic pushes here (the tenants step creates it).
          EGRESS_TENANT_EVENTS_URL: `http://127.0.0.1:${functionsPort}/tenant-events`,
          EGRESS_TENANT_PUSH_SERVICE_ACCOUNT: identities.events,
          ...(executionsPort
            ? { WORKFLOWS_API_ENDPOINT: `http://127.0.0.1:${executionsPort}` }
            : {}),
        },
      });
      stops.push(() => functions!.stop());
      for (const host of functions.hosts) {
        supervisor.watch(
          `the functions host of ${host.serviceAccount}`,
          host.pgid,
          paths.functionsLog,
        );
        info.processGroups.push(host.pgid);
      }
      info.endpoints.functions = functions.url;
      info.endpoints.api = `${functions.url}/api`;
      log(
        `functions listening on ${functions.url}/{${functions.functions.join(',')}}, one process per account: ${functions.hosts.map((h) => `${h.serviceAccount.split('@')[0]} (${h.functions.length})`).join(', ')}`,
      );
      log(`api (EGRESS_API_URL) listening on ${info.endpoints.api}`);
    }
    await save();

    if (executionsPort !== undefined) {
      // Fresh emulators restart Pub/Sub message ids and hold no runs: what a previous stack of
      // this state dir left (deliveries, ACTIVE executions) must be neither deduplicated against
      // nor replayed. Only startPart() after stopPart() carries them over.
      await rm(join(paths.stateDir, 'executions.json'), { force: true });
      await rm(join(paths.stateDir, 'eventarc-deliveries.json'), { force: true });
      let eventarcPort = ports.eventarc ?? 0;
      startWorkflowsPart = async () => {
        const executions = await startExecutionsServer({
          port: executionsPort,
          timeScale: workflowSpeedUp(timeScale),
          env: {
            STEP_BASE_URL: functions!.url,
            GOOGLE_CLOUD_PROJECT_ID: projectId,
            GOOGLE_CLOUD_LOCATION: location,
            WORKFLOW_EXECUTIONS_URL: `http://127.0.0.1:${executionsPort}`,
          },
          // `auth: OIDC|OAuth2` calls carry the workflows' account's tokens, as on Google Cloud.
          tokenProvider: async (request) =>
            request.type === 'OIDC'
              ? metadata.issuer.idToken(identities.workflows, request.audience ?? request.url)
              : metadata.issuer.accessToken(identities.workflows, request.scopes).access_token,
          stateDir: paths.stateDir,
          log,
        });
        const client = localExecutionsClient(executions.url);
        const stopExecutions = async () => {
          await client.close();
          await executions.close();
        };
        let bridge: EventarcBridge;
        try {
          bridge = await startEventarcBridge({
            starter: executionsClientStarter(client, { projectId, location }),
            projectId,
            topic: ENVIRONMENT_REQUESTS_TOPIC,
            // The push subscription names this port: a restart must listen on it again.
            port: eventarcPort,
            stateDir: paths.stateDir,
            log,
          });
        } catch (error) {
          await stopExecutions();
          throw error;
        }
        eventarcPort = bridge.port;
        stack.executions = executions;
        stack.eventarc = bridge;
        info.endpoints.executions = executions.url;
        info.endpoints.eventarc = bridge.url;
        log(`workflows executions API listening on ${executions.url}`);
        log(`eventarc bridge listening on ${bridge.url}`);
        workflowsPart = {
          stop: async () => {
            await bridge.close();
            await stopExecutions();
          },
        };
      };
      await startWorkflowsPart();
      stops.push(async () => {
        const running = workflowsPart;
        workflowsPart = undefined;
        await running?.stop();
      });
    }

    if (has('functions')) {
      const pubsub = new PubSub({
        projectId,
        apiEndpoint: info.endpoints.pubsubHost!,
        emulatorMode: true,
      });
      // Closed after the functions and the bridge stopped: the stop list runs backwards.
      stops.splice(0, 0, () => pubsub.close());
      if (info.endpoints.eventarc) {
        await createPushSubscription(
          pubsub,
          ENVIRONMENT_REQUESTS_TOPIC,
          `${info.endpoints.eventarc}/projects/${projectId}/topics/${ENVIRONMENT_REQUESTS_TOPIC}`,
        );
      } else {
        await pubsub
          .topic(ENVIRONMENT_REQUESTS_TOPIC)
          .create()
          .catch((e: { code?: number }) => {
            if (e.code !== 6) throw e;
          });
      }
      log(
        `topic ${ENVIRONMENT_REQUESTS_TOPIC} (→ eventarc bridge); each environment's tenants-<environment> topic (→ tenant-events) comes with its tenants step`,
      );
    }

    info.ready = true;
    await save();
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}
