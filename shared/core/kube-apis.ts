/**
 * The Kubernetes interfaces the mesh-config and tenants steps depend on. Steps see only these;
 * shared/kube implements them over @kubernetes/client-node, and the composition roots
 * (functions/, cli/, local/) build the clients.
 */
import type { KubeObject, ListedKind } from '../plan/kube-object.js';
import type { Environment } from '../spec/environment.js';

/** A kind the applier lists when it looks for objects to prune. */
export type ManagedKind = ListedKind;

/** An object as the API server returns it: the applied fields plus server-set metadata and status. */
export interface LiveObject extends KubeObject {
  metadata: KubeObject['metadata'] & {
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    deletionTimestamp?: string;
    managedFields?: unknown[];
  };
  status?: Record<string, unknown>;
}

/** What names one object: enough to read or delete it. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * The Kubernetes operations the applier needs. Steps and the applier see only this; the
 * composition root (functions/, cli/, local/) builds a `KubernetesObjectApi` from a KubeConfig
 * and wraps it with shared/kube's `kubeObjectClient`. Errors are typed: RetryableError or
 * PermanentError with a reason.
 */
export interface KubeObjectClient {
  /** Server-side apply with the product's field manager, forced (the product owns its fields). */
  apply(object: KubeObject): Promise<LiveObject>;
  /** Every object of a kind (all namespaces) matching a label selector. */
  list(kind: ManagedKind, labelSelector: string): Promise<LiveObject[]>;
  /** One object, or undefined when it does not exist. */
  read(ref: ObjectReference): Promise<LiveObject | undefined>;
  /** Deletes one object; false when it was already gone. */
  remove(ref: ObjectReference): Promise<boolean>;
}

/**
 * Which cluster a step's Kubernetes calls go to: its environment's own cluster, named from the
 * environment's spec, never from stored step outputs (issue 16 finding 13). The API server's
 * address is not part of it: the composition root reads the cluster's DNS-based endpoint from
 * the Container API (clusters.get) at call time, and the access token is the service's own
 * identity, fetched then too, so neither a secret nor an address the token goes to is ever read
 * from the run record.
 */
export interface ClusterAccess {
  /** The cluster's name (for messages and the kubeconfig's names). */
  clusterName: string;
  /** `projects/P/locations/ZONE/clusters/NAME`, the Container API's name of the cluster. */
  clusterPath: string;
}

/** A cluster's API server as the Container API reports it: what a kubeconfig is built from. */
export interface ClusterServer {
  clusterName: string;
  /**
   * The API server: a bare host name (`gke-….us-central1.gke.goog`, reached over https) or a
   * full URL (`https://…`; `http://127.0.0.1:PORT` for the local simulator only).
   */
  endpoint: string;
}

/** Builds a client for a cluster; lives in functions/, cli/ or local/ (they may build KubeConfigs). */
export type KubeClientFactory = (
  access: ClusterAccess,
) => KubeObjectClient | Promise<KubeObjectClient>;

/** Which objects one apply owns: an environment's objects of one step (`mesh`, `tenants`). */
export interface ApplySetRef {
  /** The environment's metadata.name, as the compiler's ownership label carries it. */
  environment: string;
  /** The set's name, carried in shared/kube's APPLY_SET_LABEL. */
  name: string;
}

/** What one apply of a set did, by object key (`Kind/namespace/name`). */
export interface ApplyReport {
  /** Sent a server-side apply (created, changed, or taken back from another writer). */
  applied: string[];
  /** Already as desired: no request sent. */
  unchanged: string[];
  /** Deleted by the applier. */
  deleted: string[];
  /** Gone with their namespace, which the applier deleted. */
  cascaded: string[];
  /** Objects that exist without the product (adopted namespaces): only the product's fields were dropped. */
  released: string[];
  /** Owned objects already being deleted (a namespace Terminating). */
  terminating: string[];
  /** Every desired object as last seen (the apply's answer or the listing), by key. */
  live: Map<string, LiveObject>;
}

/**
 * What the mesh-config and tenants steps need from the composition root; shared/kube's
 * `kubeStepDependencies(factory)` builds it.
 */
export interface KubeStepDependencies {
  /** A Kubernetes client for a cluster (functions/, cli/ and local/ build it). */
  kubeClient: KubeClientFactory;
  /** The applier (shared/kube applyObjectSet); passed in because steps import shared/kube as types only. */
  applyObjectSet: (options: {
    client: KubeObjectClient;
    set: ApplySetRef;
    objects: readonly KubeObject[];
    /** Only check that the set may be applied (ownership of its namespaces); write nothing. */
    checkOnly?: boolean;
  }) => Promise<ApplyReport>;
  /** The environment's own cluster (shared/kube clusterAccessOf): never the stored outputs. */
  clusterAccess: (environment: Environment) => ClusterAccess;
  /**
   * Every object of the kinds in the cluster, whoever owns them, without server-set fields
   * (shared/kube readLiveObjects): what the tenants step analyzes after applying.
   */
  readObjects: (client: KubeObjectClient, kinds: readonly ManagedKind[]) => Promise<KubeObject[]>;
}
