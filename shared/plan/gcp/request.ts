import type { Environment } from '../../spec/environment.js';

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

/**
 * A POST of `body` to `path` on `service`: how every step's plan creates or changes its
 * resources (creates, DNS changes, batch enables, setIamPolicy).
 */
export function postRequest<B extends object>(
  kind: GcpResourceKind,
  name: string,
  service: string,
  path: string,
  body: B,
): PlannedRequest<B> {
  return { kind, name, service, method: 'POST', path, body };
}

/** A step's requests when nothing exists yet, in the order it makes them. */
export type StepRequests = (env: Environment) => PlannedRequest[];
