/**
 * Builds the official Google clients for a target and wraps them in shared/gcp's adapters: the
 * one place client options, DNS quirks and retry policy are decided, for both composition roots
 * (functions/compose-steps.ts loads each library on the first call of an API that needs it and
 * builds that API alone with the per-API builders below; cli/compose.ts
 * imports them statically). Only types are imported here, so importing this file costs nothing.
 */
import type * as ComputeLib from '@google-cloud/compute';
import type * as ContainerLib from '@google-cloud/container';
import type * as DnsLib from '@google-cloud/dns';
import type * as ResourceManagerLib from '@google-cloud/resource-manager';
import type * as ServiceUsageLib from '@google-cloud/service-usage';
import type * as IamLib from '@googleapis/iam';
import type { iam_v1 } from '@googleapis/iam';
import type * as AuthLib from 'google-auth-library';
import type { GoogleAuth } from 'google-auth-library';
import type * as GcpAdapters from '../shared/gcp/index.js';
import type {
  AuthorizedRequester,
  GcpApis,
  PubsubApi,
  ResolvedClientOptions,
  GcpTarget,
  ProjectIamAdapter,
} from '../shared/gcp/index.js';

/** The compute clients the adapter uses (loadable one by one: see compose-steps.ts). */
export type ComputeClientClasses = Pick<
  typeof ComputeLib,
  | 'NetworksClient'
  | 'SubnetworksClient'
  | 'RoutersClient'
  | 'FirewallsClient'
  | 'GlobalOperationsClient'
  | 'RegionOperationsClient'
  | 'ZoneOperationsClient'
>;

/** The client libraries and the adapter module, however the caller loaded them. */
export interface GcpLibraries {
  compute: ComputeClientClasses;
  container: Pick<typeof ContainerLib, 'ClusterManagerClient'>;
  dns: Pick<typeof DnsLib, 'DNS'>;
  resourceManager: Pick<typeof ResourceManagerLib, 'ProjectsClient'>;
  serviceUsage: Pick<typeof ServiceUsageLib, 'ServiceUsageClient'>;
  iam: Pick<typeof IamLib, 'iam'>;
  auth: Pick<typeof AuthLib, 'GoogleAuth'>;
  adapters: typeof GcpAdapters;
}

/** The adapters, plus the pieces the Workload Identity adapter and Kubernetes side reuse. */
export interface BuiltGcpClients {
  apis: GcpApis;
  iamClient: iam_v1.Iam;
  projectIam: ProjectIamAdapter;
  requester: AuthorizedRequester;
  /** Application Default Credentials (production only). */
  googleAuth?: GoogleAuth;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** What every client of a target shares: options, credentials, the authorized requester. */
export interface GcpClientSettings {
  options: ResolvedClientOptions;
  /** The gax clients' constructor options (the same for every gax library). */
  gax: ConstructorParameters<ComputeClientClasses['NetworksClient']>[0];
  requester: AuthorizedRequester;
  /** Application Default Credentials (production only). */
  googleAuth?: GoogleAuth;
}

/** The settings for `target`; needs google-auth-library only in production. */
export function gcpClientSettings(
  libs: { auth?: GcpLibraries['auth']; adapters: typeof GcpAdapters },
  target: GcpTarget,
): GcpClientSettings {
  const options = libs.adapters.clientOptions(target);
  const gax = options.gax as GcpClientSettings['gax'];
  let googleAuth: GoogleAuth | undefined;
  if (target.mode === 'google') {
    if (!libs.auth) throw new Error('google-auth-library is needed for Google endpoints');
    googleAuth = new libs.auth.GoogleAuth({ scopes: [CLOUD_PLATFORM] });
  }
  const requester = (options.localAuth ?? googleAuth) as AuthorizedRequester;
  return { options, gax, requester, ...(googleAuth ? { googleAuth } : {}) };
}

/** The Compute Engine adapter: networks, subnets, routers, firewalls and their operations. */
export function buildComputeApi(
  libs: Pick<GcpLibraries, 'compute' | 'adapters'>,
  { gax }: GcpClientSettings,
): GcpApis['compute'] {
  const { compute } = libs;
  return new libs.adapters.ComputeAdapter({
    networks: new compute.NetworksClient(gax),
    subnetworks: new compute.SubnetworksClient(gax),
    routers: new compute.RoutersClient(gax),
    firewalls: new compute.FirewallsClient(gax),
    globalOperations: new compute.GlobalOperationsClient(gax),
    regionOperations: new compute.RegionOperationsClient(gax),
    zoneOperations: new compute.ZoneOperationsClient(gax),
  });
}

/** The GKE adapter. */
export function buildContainerApi(
  libs: Pick<GcpLibraries, 'container' | 'adapters'>,
  { gax }: GcpClientSettings,
): GcpApis['container'] {
  return new libs.adapters.ContainerAdapter(
    new libs.container.ClusterManagerClient(
      gax as ConstructorParameters<typeof libs.container.ClusterManagerClient>[0],
    ),
  );
}

/** The Cloud DNS adapter (one client per project). */
export function buildDnsApi(
  libs: Pick<GcpLibraries, 'dns' | 'adapters'>,
  { options }: GcpClientSettings,
): GcpApis['dns'] {
  const { DNS } = libs.dns;
  const dnsClients = new Map<string, InstanceType<typeof DNS>>();
  const dnsFor = (project: string) => {
    let client = dnsClients.get(project);
    if (!client) {
      client = new DNS({
        projectId: project,
        // No retry options here: the constructor's are ignored; shared/gcp/dns.ts turns the
        // library's own retries off per request, so the step runner owns retrying.
        ...(options.localAuth
          ? { apiEndpoint: new URL(options.gkeHubRoot).host, authClient: options.localAuth }
          : {}),
      } as ConstructorParameters<typeof DNS>[0]);
      // The library builds `https://${apiEndpoint}/dns/v1`: plain http needs its base URL set.
      if (options.dnsBaseUrl)
        (client as unknown as { baseUrl: string }).baseUrl = options.dnsBaseUrl;
      dnsClients.set(project, client);
    }
    return client;
  };
  return new libs.adapters.DnsAdapter(dnsFor);
}

/** The IAM API client (googleapis), shared by the IAM and Workload Identity adapters. */
export function buildIamClient(
  libs: Pick<GcpLibraries, 'iam'>,
  { options, googleAuth }: GcpClientSettings,
): iam_v1.Iam {
  return libs.iam.iam({
    version: 'v1',
    ...(options.iamRootUrl ? { rootUrl: options.iamRootUrl } : {}),
    auth: (options.localAuth ?? googleAuth) as never,
  });
}

/** Project IAM policies (Resource Manager). */
export function buildProjectIam(
  libs: Pick<GcpLibraries, 'resourceManager' | 'adapters'>,
  { gax }: GcpClientSettings,
): ProjectIamAdapter {
  return new libs.adapters.ProjectIamAdapter(
    new libs.resourceManager.ProjectsClient(
      gax as ConstructorParameters<typeof libs.resourceManager.ProjectsClient>[0],
    ),
  );
}

/** The Service Usage adapter. */
export function buildServiceUsageApi(
  libs: Pick<GcpLibraries, 'serviceUsage' | 'adapters'>,
  { gax }: GcpClientSettings,
): GcpApis['serviceUsage'] {
  return new libs.adapters.ServiceUsageAdapter(
    new libs.serviceUsage.ServiceUsageClient(
      gax as ConstructorParameters<typeof libs.serviceUsage.ServiceUsageClient>[0],
    ),
  );
}

/** The GKE Hub adapter (plain REST through the authorized requester). */
export function buildGkeHubApi(
  libs: Pick<GcpLibraries, 'adapters'>,
  { requester, options }: GcpClientSettings,
): GcpApis['gkeHub'] {
  return new libs.adapters.GkeHubAdapter(requester, options.gkeHubRoot);
}

/** The Pub/Sub adapter of the tenant topics (plain REST through the authorized requester). */
export function buildPubsubApi(
  libs: Pick<GcpLibraries, 'adapters'>,
  { requester, options }: GcpClientSettings,
): PubsubApi {
  return new libs.adapters.PubsubAdapter(requester, options.pubsubRoot);
}

/** Builds every client for `target` from already loaded libraries; synchronous, no I/O. */
export function buildGcpClients(libs: GcpLibraries, target: GcpTarget): BuiltGcpClients {
  const settings = gcpClientSettings(libs, target);
  const iamClient = buildIamClient(libs, settings);
  const projectIam = buildProjectIam(libs, settings);
  const apis: GcpApis = {
    compute: buildComputeApi(libs, settings),
    container: buildContainerApi(libs, settings),
    dns: buildDnsApi(libs, settings),
    iam: new libs.adapters.IamAdapter(iamClient),
    projectIam,
    serviceUsage: buildServiceUsageApi(libs, settings),
    gkeHub: buildGkeHubApi(libs, settings),
  };
  const { requester, googleAuth } = settings;
  return { apis, iamClient, projectIam, requester, ...(googleAuth ? { googleAuth } : {}) };
}
