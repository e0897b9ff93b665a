/**
 * The step functions' composition root: the real implementation of every environment step,
 * over the official Google clients (Google's endpoints with the service's credentials, or the
 * local GCP simulator when EGRESS_GCP_ENDPOINT is set) and @kubernetes/client-node (the
 * cluster's DNS-based endpoint with the service's access token, or the Kubernetes simulator the
 * GCP simulator reports).
 *
 * The client libraries take seconds to load, so nothing of them is imported until a step runs:
 * the api, finalize and tenant-events functions, the CLI and most tests never pay for them.
 */
import type { GoogleAuth } from 'google-auth-library';
import { PermanentError } from '../shared/errors.js';
import type { ContainerApi } from '../shared/core/gcp-apis.js';
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
import type { FunctionsConfig } from './config.js';
import { buildGcpClients } from './gcp-clients.js';

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
  let built: Promise<BoundSteps> | undefined;
  const load = (): Promise<BoundSteps> => {
    built ??= build(config).catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
  const registry: StepRegistry = {};
  for (const name of ENVIRONMENT_STEPS) {
    registry[name] = {
      ensure: async (ctx) => (await load())[name].ensure(ctx),
      remove: async (ctx) => (await load())[name].remove(ctx),
    };
  }
  return registry;
}

/** Builds the clients and binds every step to them (loads the client libraries). */
export async function buildSteps(config: FunctionsConfig): Promise<BoundSteps> {
  const target = gcpTargetOf(config);
  const [{ environmentSteps }, { meshConfigStep }, { tenantsStep }, kube, gcp] = await Promise.all([
    import('../shared/steps/index.js'),
    import('../shared/steps/mesh-config.js'),
    import('../shared/steps/tenants.js'),
    import('../shared/kube/index.js'),
    createGcpClients(target),
  ]);
  const kubeDeps = kube.kubeStepDependencies(
    await kubeClientFactory(target, config.kubeToken, gcp.googleAuth, gcp.apis.container),
  );
  return {
    ...environmentSteps({ gcp: gcp.apis }),
    'mesh-config': meshConfigStep(kubeDeps),
    tenants: tenantsStep({ ...kubeDeps, workloadIdentity: gcp.workloadIdentity }),
  };
}

/** The steps' Google side: the adapters, and the credentials the Kubernetes side reuses. */
export interface GcpClients {
  apis: GcpApis;
  workloadIdentity: WorkloadIdentityApi;
  /** Application Default Credentials (production only). */
  googleAuth?: GoogleAuth;
}

/** The official clients for a target, wrapped in shared/gcp's adapters; libraries load lazily. */
export async function createGcpClients(target: GcpTarget): Promise<GcpClients> {
  const [compute, container, dns, resourceManager, serviceUsage, iam, auth, adapters] =
    await Promise.all([
      import('@google-cloud/compute'),
      import('@google-cloud/container'),
      import('@google-cloud/dns'),
      import('@google-cloud/resource-manager'),
      import('@google-cloud/service-usage'),
      import('@googleapis/iam'),
      import('google-auth-library'),
      import('../shared/gcp/index.js'),
    ]);
  const built = buildGcpClients(
    { compute, container, dns, resourceManager, serviceUsage, iam, auth, adapters },
    target,
  );
  const workloadIdentity = adapters.workloadIdentityAdapter({
    iam: built.iamClient,
    projectIam: built.projectIam,
    // Locally the simulator serves the Storage JSON API's bucket subset under its own origin.
    storage: {
      requester: built.requester,
      root: target.mode === 'local' ? new URL(target.endpoint).origin : STORAGE_ROOT,
    },
  });
  return {
    apis: built.apis,
    workloadIdentity,
    ...(built.googleAuth ? { googleAuth: built.googleAuth } : {}),
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
