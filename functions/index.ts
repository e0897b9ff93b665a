/**
 * Entry points of every deployed function, registered with functions-framework:
 * `--target=<name>` picks one (`api`, `tenant-events`, `finalize`, `step-<family>`).
 */
import * as functions from '@google-cloud/functions-framework';
import { api } from './api.js';
import { finalize } from './finalize.js';
import { stepCluster } from './step-cluster.js';
import { stepDns } from './step-dns.js';
import { stepFirewalls } from './step-firewalls.js';
import { stepIam } from './step-iam.js';
import { stepMesh } from './step-mesh.js';
import { stepMeshConfig } from './step-mesh-config.js';
import { stepNat } from './step-nat.js';
import { stepNetwork } from './step-network.js';
import { stepTenants } from './step-tenants.js';
import { tenantEvents } from './tenant-events.js';

/** HTTP functions by deployed name. */
export const HTTP_FUNCTIONS = {
  api,
  finalize,
  'step-network': stepNetwork,
  'step-nat': stepNat,
  'step-firewalls': stepFirewalls,
  'step-dns': stepDns,
  'step-iam': stepIam,
  'step-cluster': stepCluster,
  'step-mesh': stepMesh,
  'step-mesh-config': stepMeshConfig,
  'step-tenants': stepTenants,
} as const;

/** CloudEvent functions by deployed name. */
export const CLOUD_EVENT_FUNCTIONS = { 'tenant-events': tenantEvents } as const;

for (const [name, handler] of Object.entries(HTTP_FUNCTIONS)) functions.http(name, handler);
for (const [name, handler] of Object.entries(CLOUD_EVENT_FUNCTIONS))
  functions.cloudEvent(name, handler);

export { api, finalize, tenantEvents };
