/**
 * Builds the official Google clients for a target and wraps them in shared/gcp's adapters: the
 * one place client options, DNS quirks and retry policy are decided, for both composition roots
 * (functions/compose-steps.ts loads the libraries lazily and passes them in; cli/compose.ts
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
  GcpTarget,
  ProjectIamAdapter,
} from '../shared/gcp/index.js';

/** The client libraries and the adapter module, however the caller loaded them. */
export interface GcpLibraries {
  compute: typeof ComputeLib;
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

/** Builds every client for `target` from already loaded libraries; synchronous, no I/O. */
export function buildGcpClients(libs: GcpLibraries, target: GcpTarget): BuiltGcpClients {
  const { compute, adapters } = libs;
  const options = adapters.clientOptions(target);
  // The clients' constructor types differ per library; the options are the same for all.
  const gax = options.gax as ConstructorParameters<typeof compute.NetworksClient>[0];
  const googleAuth =
    target.mode === 'google' ? new libs.auth.GoogleAuth({ scopes: [CLOUD_PLATFORM] }) : undefined;
  const requester = (options.localAuth ?? googleAuth) as AuthorizedRequester;
  const iamClient: iam_v1.Iam = libs.iam.iam({
    version: 'v1',
    ...(options.iamRootUrl ? { rootUrl: options.iamRootUrl } : {}),
    auth: (options.localAuth ?? googleAuth) as never,
  });
  const projectIam = new adapters.ProjectIamAdapter(
    new libs.resourceManager.ProjectsClient(
      gax as ConstructorParameters<typeof libs.resourceManager.ProjectsClient>[0],
    ),
  );

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

  const apis: GcpApis = {
    compute: new adapters.ComputeAdapter({
      networks: new compute.NetworksClient(gax),
      subnetworks: new compute.SubnetworksClient(gax),
      routers: new compute.RoutersClient(gax),
      firewalls: new compute.FirewallsClient(gax),
      globalOperations: new compute.GlobalOperationsClient(gax),
      regionOperations: new compute.RegionOperationsClient(gax),
      zoneOperations: new compute.ZoneOperationsClient(gax),
    }),
    container: new adapters.ContainerAdapter(
      new libs.container.ClusterManagerClient(
        gax as ConstructorParameters<typeof libs.container.ClusterManagerClient>[0],
      ),
    ),
    dns: new adapters.DnsAdapter(dnsFor),
    iam: new adapters.IamAdapter(iamClient),
    projectIam,
    serviceUsage: new adapters.ServiceUsageAdapter(
      new libs.serviceUsage.ServiceUsageClient(
        gax as ConstructorParameters<typeof libs.serviceUsage.ServiceUsageClient>[0],
      ),
    ),
    gkeHub: new adapters.GkeHubAdapter(requester, options.gkeHubRoot),
  };
  return { apis, iamClient, projectIam, requester, ...(googleAuth ? { googleAuth } : {}) };
}
