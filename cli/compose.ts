import * as compute from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { DNS } from '@google-cloud/dns';
import { ProjectsClient } from '@google-cloud/resource-manager';
import { ServiceUsageClient } from '@google-cloud/service-usage';
import { iam } from '@googleapis/iam';
import { GoogleAuth } from 'google-auth-library';
import { buildGcpClients } from '../functions/gcp-clients.js';
import * as adapters from '../shared/gcp/index.js';
import type { GcpApis, GcpTarget } from '../shared/gcp/index.js';

/**
 * The CLI's composition root for Google Cloud: the official clients for a target (Google or the
 * local simulator) in the adapters the steps depend on, built as the functions build them.
 */
export function createGcpAdapters(target: GcpTarget): GcpApis {
  return buildGcpClients(
    {
      compute,
      container: { ClusterManagerClient },
      dns: { DNS },
      resourceManager: { ProjectsClient },
      serviceUsage: { ServiceUsageClient },
      iam: { iam },
      auth: { GoogleAuth },
      adapters,
    },
    target,
  ).apis;
}
