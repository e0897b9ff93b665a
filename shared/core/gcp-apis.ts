import type { IamPolicy } from '../plan/gcp/iam.js';
import type { RecordSetBody } from '../plan/gcp/dns.js';
import type { PendingOperation } from './step-contract.js';

/**
 * The Google Cloud interfaces steps depend on, one per API family. Steps import these types
 * only; the adapter classes of shared/gcp implement them over the official clients, and the
 * composition roots (cli/, functions/, local/) build those clients.
 */

/** A resource as an API returns it: plain JSON with REST field names. */
export type GcpResource = Record<string, unknown>;

/** The state of a long-running operation, read by name; never waited on. */
export interface OperationStatus {
  /** The name to record (and resume by), as the API returned it. */
  name: string;
  done: boolean;
  /** Set when the operation finished with an error. */
  error?: { code?: string | number; message: string };
}

/** Answer of a create whose name is already taken: observe, do not fail. */
export const ALREADY_EXISTS = 'already-exists';
/** Answer of a delete or read of something that is not there. */
export const NOT_FOUND = 'not-found';

/** compute v1 collections the environment uses. */
export type ComputeCollection = 'networks' | 'subnetworks' | 'routers' | 'firewalls';

/** Where a compute resource lives: global when `region` is absent. */
export interface ComputeScope {
  project: string;
  region?: string;
}

/** compute v1: networks, subnetworks, routers, firewalls and their operations. */
export interface ComputeApi {
  get(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
  ): Promise<GcpResource | undefined>;
  /** `requestId` (a UUID) makes a repeated insert return the first one's operation. */
  insert(
    collection: ComputeCollection,
    scope: ComputeScope,
    body: object,
    requestId: string,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS>;
  patch(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
    body: object,
    requestId: string,
  ): Promise<OperationStatus>;
  delete(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
    requestId: string,
  ): Promise<OperationStatus | typeof NOT_FOUND>;
  /**
   * `subnetworks.setPrivateIpGoogleAccess`: the only way to change a subnet's Private Google
   * Access after creation (subnetworks.patch does not touch that field).
   */
  setPrivateIpGoogleAccess(
    scope: ComputeScope,
    subnetwork: string,
    enabled: boolean,
    requestId: string,
  ): Promise<OperationStatus>;
  /** Reads a global (`compute-global`), regional or zonal operation by name. */
  getOperation(project: string, operation: PendingOperation): Promise<OperationStatus>;
}

/** container v1: clusters, node pools and their operations (full resource names). */
export interface ContainerApi {
  getCluster(name: string): Promise<GcpResource | undefined>;
  createCluster(parent: string, cluster: object): Promise<OperationStatus | typeof ALREADY_EXISTS>;
  /** `update` is a ClusterUpdate (`desiredMasterAuthorizedNetworksConfig`...). */
  updateCluster(name: string, update: object): Promise<OperationStatus>;
  /**
   * `clusters.setResourceLabels`: replaces the cluster's labels; `labelFingerprint` is the one
   * the last read returned (a stale one is a RetryableError('precondition-failed')).
   */
  setClusterLabels(
    name: string,
    resourceLabels: Record<string, string>,
    labelFingerprint: string,
  ): Promise<OperationStatus>;
  /** `clusters.setNetworkPolicy`: network policy enforcement on the nodes (`{provider, enabled}`). */
  setClusterNetworkPolicy(
    name: string,
    networkPolicy: { provider?: string; enabled?: boolean },
  ): Promise<OperationStatus>;
  deleteCluster(name: string): Promise<OperationStatus | typeof NOT_FOUND>;
  getNodePool(name: string): Promise<GcpResource | undefined>;
  createNodePool(
    parent: string,
    nodePool: object,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS>;
  /** `request` is an UpdateNodePoolRequest without `name`. */
  updateNodePool(name: string, request: object): Promise<OperationStatus>;
  deleteNodePool(name: string): Promise<OperationStatus | typeof NOT_FOUND>;
  /** `projects/P/locations/L/operations/OP`. */
  getOperation(name: string): Promise<OperationStatus>;
}

/** dns v1: managed zones and their record sets. */
export interface DnsApi {
  getZone(project: string, name: string): Promise<GcpResource | undefined>;
  /** Zone creation is synchronous in Cloud DNS. */
  createZone(
    project: string,
    body: object & { name: string },
  ): Promise<GcpResource | typeof ALREADY_EXISTS>;
  patchZone(project: string, name: string, body: object): Promise<void>;
  deleteZone(project: string, name: string): Promise<'deleted' | typeof NOT_FOUND>;
  listRecordSets(project: string, zone: string): Promise<RecordSetBody[]>;
  /**
   * Applies additions and deletions atomically; returns the change's id and status (`pending`
   * until Cloud DNS has applied it, then `done`).
   */
  applyChange(
    project: string,
    zone: string,
    change: { additions?: RecordSetBody[]; deletions?: RecordSetBody[] },
  ): Promise<DnsChangeStatus>;
  /** Reads a change by id; undefined when it (or its zone) is gone. */
  getChange(project: string, zone: string, id: string): Promise<DnsChangeStatus | undefined>;
}

/** A Cloud DNS change as the steps see it. */
export interface DnsChangeStatus {
  id: string;
  /** `pending` or `done`. */
  status: string;
}

/** iam v1 service accounts. */
export interface IamApi {
  getServiceAccount(project: string, email: string): Promise<GcpResource | undefined>;
  createServiceAccount(
    project: string,
    body: { accountId: string; serviceAccount: object },
  ): Promise<GcpResource | typeof ALREADY_EXISTS>;
  patchServiceAccount(
    project: string,
    email: string,
    fields: { displayName?: string; description?: string },
  ): Promise<void>;
  deleteServiceAccount(project: string, email: string): Promise<'deleted' | typeof NOT_FOUND>;
}

/** cloudresourcemanager: the project's IAM policy (etag as base64 text). */
export interface ProjectIamApi {
  getIamPolicy(project: string): Promise<IamPolicy>;
  /** Fails with RetryableError('etag-conflict') when the etag is stale. */
  setIamPolicy(project: string, policy: IamPolicy): Promise<IamPolicy>;
}

/** serviceusage v1. */
export interface ServiceUsageApi {
  listEnabled(project: string): Promise<string[]>;
  batchEnable(project: string, serviceIds: string[]): Promise<OperationStatus>;
  /** `operations/...`. */
  getOperation(name: string): Promise<OperationStatus>;
}

/** gkehub v1 features (the fleet's service mesh). */
export interface GkeHubApi {
  getFeature(project: string, feature: string): Promise<GcpResource | undefined>;
  createFeature(
    project: string,
    feature: string,
    body: object,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS>;
  patchFeature(
    project: string,
    feature: string,
    body: object,
    updateMask: string,
  ): Promise<OperationStatus>;
  deleteFeature(project: string, feature: string): Promise<OperationStatus | typeof NOT_FOUND>;
  /** `projects/P/locations/global/operations/OP`. */
  getOperation(name: string): Promise<OperationStatus>;
}

/**
 * pubsub v1 topics and push subscriptions, by full name (`projects/P/topics/T`,
 * `projects/P/subscriptions/S`): the environments' tenant intake in the service's project.
 */
export interface PubsubApi {
  getTopic(name: string): Promise<GcpResource | undefined>;
  createTopic(name: string, body: object): Promise<GcpResource | typeof ALREADY_EXISTS>;
  deleteTopic(name: string): Promise<'deleted' | typeof NOT_FOUND>;
  getTopicIamPolicy(name: string): Promise<IamPolicy>;
  /** Fails with RetryableError('etag-conflict') when the etag is stale. */
  setTopicIamPolicy(name: string, policy: IamPolicy): Promise<IamPolicy>;
  getSubscription(name: string): Promise<GcpResource | undefined>;
  createSubscription(name: string, body: object): Promise<GcpResource | typeof ALREADY_EXISTS>;
  modifyPushConfig(name: string, pushConfig: object): Promise<void>;
  deleteSubscription(name: string): Promise<'deleted' | typeof NOT_FOUND>;
}

/** Every API family the environment steps use. */
export interface GcpApis {
  compute: ComputeApi;
  container: ContainerApi;
  dns: DnsApi;
  iam: IamApi;
  projectIam: ProjectIamApi;
  serviceUsage: ServiceUsageApi;
  gkeHub: GkeHubApi;
}
