/**
 * shared/gcp: adapters over the official Google clients, one per API family, with error
 * classification and operation reads. Steps depend on the interfaces in shared/core/gcp-apis.ts only.
 */
export * from '../core/gcp-apis.js';
export * from './errors.js';
export * from './client-options.js';
export { ComputeAdapter, computeOperationStatus, type ComputeClients } from './compute.js';
export { ContainerAdapter, containerOperationStatus } from './container.js';
export { DnsAdapter } from './dns.js';
export { IamAdapter, ProjectIamAdapter } from './iam.js';
export { ServiceUsageAdapter, longRunningStatus } from './serviceusage.js';
export { GkeHubAdapter, type AuthorizedRequester } from './gkehub.js';
export { PubsubAdapter } from './pubsub.js';
export { plainJson } from './plain.js';
export {
  workloadIdentityAdapter,
  type WorkloadIdentityClients,
  type StorageIamTarget,
} from './workload-identity.js';
