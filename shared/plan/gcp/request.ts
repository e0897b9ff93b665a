/** The kinds of Google Cloud resources (and request bodies) the environment plan produces. */
export type GcpResourceKind =
  | 'ServiceBatchEnable'
  | 'Network'
  | 'Subnetwork'
  | 'Router'
  | 'Firewall'
  | 'ServiceAccount'
  | 'ProjectIamBindings'
  | 'ManagedZone'
  | 'RecordSetChange'
  | 'Feature'
  | 'Cluster'
  | 'NodePool';

/**
 * One request the environment needs, exactly as it goes on the wire: host, method, path and JSON
 * body. Bodies use the REST field names and enum strings of the Google API; they never carry
 * server-set fields.
 */
export interface PlannedRequest<B extends object = object> {
  kind: GcpResourceKind;
  /** The resource's own name (what a later GET addresses). */
  name: string;
  /** API host, e.g. `compute.googleapis.com`. */
  service: string;
  method: 'POST' | 'PATCH' | 'PUT';
  /** Path and query on that host, e.g. `/compute/v1/projects/p/global/networks`. */
  path: string;
  body: B;
}
