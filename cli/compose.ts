import {
  FirewallsClient,
  GlobalOperationsClient,
  NetworksClient,
  RegionOperationsClient,
  RoutersClient,
  SubnetworksClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { DNS } from '@google-cloud/dns';
import { ProjectsClient } from '@google-cloud/resource-manager';
import { ServiceUsageClient } from '@google-cloud/service-usage';
import { iam } from '@googleapis/iam';
import { GoogleAuth } from 'google-auth-library';
import {
  ComputeAdapter,
  ContainerAdapter,
  DnsAdapter,
  GkeHubAdapter,
  IamAdapter,
  ProjectIamAdapter,
  ServiceUsageAdapter,
  clientOptions,
  type AuthorizedRequester,
  type GcpApis,
  type GcpTarget,
} from '../shared/gcp/index.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * The CLI's composition root for Google Cloud: builds the official clients for a target (Google
 * or the local simulator) and wraps them in the adapters the steps depend on.
 */
export function createGcpAdapters(target: GcpTarget): GcpApis {
  const options = clientOptions(target);
  // The clients' constructor types differ per library; the options are the same for all.
  const gax = options.gax as ConstructorParameters<typeof NetworksClient>[0];
  const googleAuth =
    target.mode === 'google' ? new GoogleAuth({ scopes: [CLOUD_PLATFORM] }) : undefined;
  const requester: AuthorizedRequester = (options.localAuth ?? googleAuth) as AuthorizedRequester;
  const dnsClients = new Map<string, DNS>();
  const dnsFor = (project: string): DNS => {
    let client = dnsClients.get(project);
    if (!client) {
      client = new DNS({
        projectId: project,
        // The step runner owns retrying (scaled backoff, counted, visible): the library's own
        // hidden retries of 429/5xx with real-time sleeps would double it and skew timings.
        autoRetry: false,
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
  return {
    compute: new ComputeAdapter({
      networks: new NetworksClient(gax),
      subnetworks: new SubnetworksClient(gax),
      routers: new RoutersClient(gax),
      firewalls: new FirewallsClient(gax),
      globalOperations: new GlobalOperationsClient(gax),
      regionOperations: new RegionOperationsClient(gax),
      zoneOperations: new ZoneOperationsClient(gax),
    }),
    container: new ContainerAdapter(new ClusterManagerClient(gax)),
    dns: new DnsAdapter(dnsFor),
    iam: new IamAdapter(
      iam({
        version: 'v1',
        ...(options.iamRootUrl ? { rootUrl: options.iamRootUrl } : {}),
        auth: (options.localAuth ?? googleAuth) as never,
      }),
    ),
    projectIam: new ProjectIamAdapter(new ProjectsClient(gax)),
    serviceUsage: new ServiceUsageAdapter(new ServiceUsageClient(gax)),
    gkeHub: new GkeHubAdapter(requester, options.gkeHubRoot),
  };
}
