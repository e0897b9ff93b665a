/**
 * The step functions' composition root: the real implementation of every environment step,
 * over the official Google clients (Google's endpoints with the service's credentials, or the
 * local GCP simulator when EGRESS_GCP_ENDPOINT is set) and @kubernetes/client-node (the
 * cluster's DNS-based endpoint with the service's access token, or the Kubernetes simulator the
 * GCP simulator reports).
 *
 * The client libraries take seconds to load, so nothing of them is imported until a step runs,
 * and then only what that step calls (issue 18: the first step call < 1.5 s): the api, finalize
 * and tenant-events functions, the CLI and most tests never pay for them, and a step never pays
 * for another step's libraries.
 */
import type { GoogleAuth } from 'google-auth-library';
import { PermanentError } from '../shared/errors.js';
import type { ContainerApi, PubsubApi } from '../shared/core/gcp-apis.js';
import type { GcpApis, GcpTarget } from '../shared/gcp/index.js';
import type {
  ClusterAccess,
  ClusterServer,
  KubeClientFactory,
  KubeObjectClient,
} from '../shared/kube/index.js';
import type { clusterServerOf } from '../shared/kube/cluster-access.js';
import { ENVIRONMENT_STEPS } from '../shared/plan/graph.js';
import type { StepImplementation, StepName, StepRegistry } from '../shared/core/step-contract.js';
import type { WorkloadIdentityApi } from '../shared/core/workload-identity.js';
import type * as GcpAdapters from '../shared/gcp/index.js';
import type { FunctionsConfig } from './config.js';
import {
  buildComputeApi,
  buildContainerApi,
  buildDnsApi,
  buildGkeHubApi,
  buildPubsubApi,
  buildIamClient,
  buildProjectIam,
  buildServiceUsageApi,
  gcpClientSettings,
  type ComputeClientClasses,
  type GcpClientSettings,
} from './gcp-clients.js';
import { deferred, lazy } from './lib/lazy.js';

const STORAGE_ROOT = 'https://storage.googleapis.com';
/** The token the Kubernetes simulator is sent when EGRESS_KUBE_TOKEN is unset (it checks none). */
const LOCAL_KUBE_TOKEN = 'egress-provisioner-local';

/** Every step bound to real clients. */
export type BoundSteps = Record<StepName, StepImplementation>;

/** Where a configuration sends the steps' Google calls. */
export function gcpTargetOf(config: Pick<FunctionsConfig, 'gcpEndpoint'>): GcpTarget {
  return config.gcpEndpoint ? { mode: 'local', endpoint: config.gcpEndpoint } : { mode: 'google' };
}

/**
 * The full step registry for a configuration: all thirteen steps, each building the real
 * clients on the first call of any of them (once per instance). A failed build is not cached,
 * so the next call tries again. `build` is the seam for a test that counts or replaces the build.
 */
export function createStepRegistry(
  config: FunctionsConfig,
  build: (config: FunctionsConfig) => Promise<BoundSteps> = buildSteps,
): StepRegistry {
  const load = lazy(() => build(config));
  const registry: StepRegistry = {};
  for (const name of ENVIRONMENT_STEPS) {
    registry[name] = {
      ensure: async (ctx) => (await load())[name].ensure(ctx),
      remove: async (ctx) => (await load())[name].remove(ctx),
    };
  }
  return registry;
}

/** A step whose implementation (and the libraries it needs) is loaded on its first call. */
function lazyStep(load: () => Promise<StepImplementation>): StepImplementation {
  const step = lazy(load);
  return {
    ensure: async (ctx) => (await step()).ensure(ctx),
    remove: async (ctx) => (await step()).remove(ctx),
  };
}

/**
 * Binds every step to the real clients. Cheap: no client library is loaded here. Each Google
 * API's library loads, and its client is built, on the first call a step makes to that API
 * (`step-apis` loads Service Usage only, `step-network` Compute only); the Kubernetes steps
 * load @kubernetes/client-node and their step modules on their own first call.
 */
export async function buildSteps(config: FunctionsConfig): Promise<BoundSteps> {
  const target = gcpTargetOf(config);
  const [{ environmentSteps }, gcp] = await Promise.all([
    import('../shared/steps/index.js'),
    createGcpClients(target),
  ]);
  const kubeFactory = lazy(async () =>
    kubeClientFactory(target, config.kubeToken, await gcp.googleAuth(), gcp.apis.container),
  );
  const kubeDeps = lazy(async () => {
    const kube = await import('../shared/kube/index.js');
    return kube.kubeStepDependencies(async (access) => (await kubeFactory())(access));
  });
  return {
    ...environmentSteps({ gcp: gcp.apis }),
    'mesh-config': lazyStep(async () => {
      const [{ meshConfigStep }, deps] = await Promise.all([
        import('../shared/steps/mesh-config.js'),
        kubeDeps(),
      ]);
      return meshConfigStep(deps);
    }),
    tenants: lazyStep(async () => {
      const [{ tenantsStep }, deps] = await Promise.all([
        import('../shared/steps/tenants.js'),
        kubeDeps(),
      ]);
      const intake = config.tenantEventsUrl;
      return tenantsStep({
        ...deps,
        workloadIdentity: gcp.workloadIdentity,
        ...(intake
          ? {
              tenantIntake: {
                pubsub: gcp.pubsub,
                target: {
                  project: config.projectId,
                  tenantEventsUrl: intake,
                  ...(config.tenantPushServiceAccount
                    ? { pushServiceAccount: config.tenantPushServiceAccount }
                    : {}),
                },
              },
            }
          : {}),
      });
    }),
  };
}

/** The steps' Google side: the adapters, and the credentials the Kubernetes side reuses. */
export interface GcpClients {
  /** Each adapter builds its client, loading its library, on its first call. */
  apis: GcpApis;
  workloadIdentity: WorkloadIdentityApi;
  /** pubsub v1: the environments' tenant topics in the service's project. */
  pubsub: PubsubApi;
  /** Application Default Credentials (production only; loads google-auth-library). */
  googleAuth: () => Promise<GoogleAuth | undefined>;
}

/** Compute Engine's seven clients, from their own modules: the package's index loads all ~100. */
async function loadComputeClients(): Promise<ComputeClientClasses> {
  try {
    const [networks, subnetworks, routers, firewalls, global, region, zone] = await Promise.all([
      import('@google-cloud/compute/build/src/v1/networks_client.js'),
      import('@google-cloud/compute/build/src/v1/subnetworks_client.js'),
      import('@google-cloud/compute/build/src/v1/routers_client.js'),
      import('@google-cloud/compute/build/src/v1/firewalls_client.js'),
      import('@google-cloud/compute/build/src/v1/global_operations_client.js'),
      import('@google-cloud/compute/build/src/v1/region_operations_client.js'),
      import('@google-cloud/compute/build/src/v1/zone_operations_client.js'),
    ]);
    return {
      NetworksClient: networks.NetworksClient,
      SubnetworksClient: subnetworks.SubnetworksClient,
      RoutersClient: routers.RoutersClient,
      FirewallsClient: firewalls.FirewallsClient,
      GlobalOperationsClient: global.GlobalOperationsClient,
      RegionOperationsClient: region.RegionOperationsClient,
      ZoneOperationsClient: zone.ZoneOperationsClient,
    };
  } catch (error) {
    // A library release that moved its files: the index still has every client, only slower.
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import('@google-cloud/compute');
  }
}

/**
 * The official clients for a target, wrapped in shared/gcp's adapters. Nothing loads here: each
 * adapter is {@link deferred}, built with its library on its first call.
 */
export async function createGcpClients(target: GcpTarget): Promise<GcpClients> {
  const adapters = lazy(() => import('../shared/gcp/index.js'));
  const settings = lazy(async () => {
    const [auth, loaded] = await Promise.all([
      target.mode === 'google' ? import('google-auth-library') : undefined,
      adapters(),
    ]);
    return gcpClientSettings({ ...(auth ? { auth } : {}), adapters: loaded }, target);
  });
  /** Builds one API from its library, the adapters and the shared settings. */
  const api = <L, A>(
    library: () => Promise<L>,
    build: (lib: L, loaded: typeof GcpAdapters, settings: GcpClientSettings) => A,
  ) =>
    lazy(async () => {
      const [lib, loaded, shared] = await Promise.all([library(), adapters(), settings()]);
      return build(lib, loaded, shared);
    });
  const iamClient = api(
    () => import('@googleapis/iam'),
    (iam, _, shared) => buildIamClient({ iam }, shared),
  );
  const projectIam = api(
    () => import('@google-cloud/resource-manager'),
    (resourceManager, loaded, shared) =>
      buildProjectIam({ resourceManager, adapters: loaded }, shared),
  );
  const apis: GcpApis = {
    compute: deferred(
      api(loadComputeClients, (compute, loaded, shared) =>
        buildComputeApi({ compute, adapters: loaded }, shared),
      ),
    ),
    container: deferred(
      api(
        () => import('@google-cloud/container'),
        (container, loaded, shared) => buildContainerApi({ container, adapters: loaded }, shared),
      ),
    ),
    dns: deferred(
      api(
        () => import('@google-cloud/dns'),
        (dns, loaded, shared) => buildDnsApi({ dns, adapters: loaded }, shared),
      ),
    ),
    iam: deferred(async () => new (await adapters()).IamAdapter(await iamClient())),
    projectIam: deferred(projectIam),
    serviceUsage: deferred(
      api(
        () => import('@google-cloud/service-usage'),
        (serviceUsage, loaded, shared) =>
          buildServiceUsageApi({ serviceUsage, adapters: loaded }, shared),
      ),
    ),
    gkeHub: deferred(
      api(
        async () => undefined,
        (_, loaded, shared) => buildGkeHubApi({ adapters: loaded }, shared),
      ),
    ),
  };
  const workloadIdentity = deferred(async () => {
    const [loaded, shared, iam, projectPolicies] = await Promise.all([
      adapters(),
      settings(),
      iamClient(),
      projectIam(),
    ]);
    return loaded.workloadIdentityAdapter({
      iam,
      projectIam: projectPolicies,
      // Locally the simulator serves the Storage JSON API's bucket subset under its own origin.
      storage: {
        requester: shared.requester,
        root: target.mode === 'local' ? new URL(target.endpoint).origin : STORAGE_ROOT,
      },
    });
  });
  const pubsub = deferred(
    api(
      async () => undefined,
      (_, loaded, shared) => buildPubsubApi({ adapters: loaded }, shared),
    ),
  );
  return {
    apis,
    workloadIdentity,
    pubsub,
    googleAuth: async () => (await settings()).googleAuth,
  };
}

/**
 * The Kubernetes client factory. The API server is the environment's own cluster's DNS-based
 * endpoint, read from the Container API (clusters.get) on every call, never a stored step output:
 * whoever could write a run's outputs could otherwise send the service's token anywhere (issue 16
 * finding 13). Production: that endpoint over https only, with the service's own access token
 * fetched per call (google-auth-library caches and refreshes it), so no credential is stored
 * anywhere. Local: only a loopback endpoint (the Kubernetes simulator the GCP simulator reports)
 * with any bearer token; a cluster the simulator created without a Kubernetes simulator reports a
 * `*.gke.goog` name, which is refused rather than called. The endpoint is checked before a token
 * is fetched.
 */
export async function kubeClientFactory(
  target: GcpTarget,
  kubeToken: string | undefined,
  googleAuth: GoogleAuth | undefined,
  container: Pick<ContainerApi, 'getCluster'>,
): Promise<KubeClientFactory> {
  const [
    { KubeConfig, KubernetesObjectApi },
    { clusterServerOf, kubeConfigOptions, kubeObjectClient },
  ] = await Promise.all([import('@kubernetes/client-node'), import('../shared/kube/index.js')]);
  return async (access: ClusterAccess): Promise<KubeObjectClient> => {
    const { server, token } = await kubeConnection(
      access,
      { target, kubeToken, googleAuth, container },
      clusterServerOf,
    );
    const config = new KubeConfig();
    config.loadFromOptions(kubeConfigOptions(server, token));
    return kubeObjectClient(KubernetesObjectApi.makeApiClient(config));
  };
}

/**
 * Where a step's Kubernetes calls go and with which token: the cluster as the Container API
 * reports it now, checked (`clusterServerOf`) before any token is fetched.
 */
export async function kubeConnection(
  access: ClusterAccess,
  deps: {
    target: GcpTarget;
    kubeToken: string | undefined;
    googleAuth: GoogleAuth | undefined;
    container: Pick<ContainerApi, 'getCluster'>;
  },
  serverOf: typeof clusterServerOf,
): Promise<{ server: ClusterServer; token: string }> {
  const cluster = await deps.container.getCluster(access.clusterPath);
  const server = serverOf(access, cluster, deps.target.mode);
  const token =
    deps.target.mode === 'local'
      ? (deps.kubeToken ?? LOCAL_KUBE_TOKEN)
      : await serviceAccessToken(access, deps.googleAuth);
  return { server, token };
}

/** The service's own OAuth access token, which the DNS-based endpoint authorizes through IAM. */
async function serviceAccessToken(
  access: ClusterAccess,
  googleAuth: GoogleAuth | undefined,
): Promise<string> {
  if (!googleAuth) {
    throw new PermanentError(
      'no-credentials',
      `no Google credentials to reach cluster ${access.clusterName}`,
    );
  }
  let token: string | null | undefined;
  try {
    token = await googleAuth.getAccessToken();
  } catch (error) {
    const { classifyGcpError } = await import('../shared/gcp/index.js');
    const classified = classifyGcpError(error, {
      action: 'get an access token for',
      resource: access.clusterName,
    });
    if (classified instanceof Error && classified !== error) throw classified;
    throw new PermanentError(
      'no-credentials',
      `cannot get an access token for cluster ${access.clusterName}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!token) {
    throw new PermanentError(
      'no-credentials',
      `Application Default Credentials gave no access token for cluster ${access.clusterName}`,
    );
  }
  return token;
}
