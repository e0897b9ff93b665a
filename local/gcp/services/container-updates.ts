import { GoogleApiError, invalidField } from '../api-error.js';
import type { Reply, SimRequest } from '../handler.js';
import type { Completion, Json } from '../store.js';
import { deepMerge } from './shared.js';
import {
  CLUSTERS,
  requireCluster,
  requireIdle,
  startOperation,
  type Location,
} from './container-operations.js';
import { labelFingerprintOf } from './container-clusters.js';
import { checkWorkloadPool } from './container-validation.js';
/** container v1 cluster updates: one ClusterUpdate field, resource labels, network policy. */

/**
 * The cluster fields one ClusterUpdate field changes, as new top-level values. Only the updates
 * the product sends are served; any other is refused by name rather than silently ignored.
 */
function clusterFieldsFor(cluster: Json, field: string, value: unknown): Json {
  const endpoints = (cluster.controlPlaneEndpointsConfig as Json | undefined) ?? {};
  switch (field) {
    case 'desiredMasterAuthorizedNetworksConfig':
      // GKE reports the authorized networks in the legacy field and in ipEndpointsConfig.
      return {
        masterAuthorizedNetworksConfig: structuredClone(value),
        controlPlaneEndpointsConfig: deepMerge(endpoints, {
          ipEndpointsConfig: { authorizedNetworksConfig: value },
        }),
      };
    case 'desiredControlPlaneEndpointsConfig': {
      const merged = deepMerge(endpoints, value) as Json;
      // The DNS endpoint's name is GKE's, whatever the update says.
      const dns = (endpoints.dnsEndpointConfig as Json | undefined)?.endpoint;
      if (dns !== undefined) (merged.dnsEndpointConfig as Json).endpoint = dns;
      const authorized = (merged.ipEndpointsConfig as Json | undefined)?.authorizedNetworksConfig;
      return {
        controlPlaneEndpointsConfig: merged,
        ...(authorized ? { masterAuthorizedNetworksConfig: structuredClone(authorized) } : {}),
      };
    }
    case 'desiredAddonsConfig': {
      const addons = deepMerge(cluster.addonsConfig ?? {}, value) as Json;
      const removesPolicyAddon =
        (addons.networkPolicyConfig as Json | undefined)?.disabled === true &&
        (cluster.networkPolicy as Json | undefined)?.enabled === true;
      // GKE's documented order: enforcement off on the nodes first, then the addon.
      if (removesPolicyAddon) {
        throw invalidField(
          'update.desiredAddonsConfig.networkPolicyConfig.disabled',
          'Network policy addon cannot be removed until network policy is disabled on the nodes.',
        );
      }
      return { addonsConfig: addons };
    }
    case 'desiredWorkloadIdentityConfig':
      checkWorkloadPool(
        value,
        /\/projects\/([^/]+)\//.exec(String(cluster.selfLink))?.[1] ?? '',
        'update.desiredWorkloadIdentityConfig',
      );
      return { workloadIdentityConfig: structuredClone(value) };
    case 'desiredReleaseChannel':
      return { releaseChannel: structuredClone(value) };
    case 'desiredFleet': {
      const fleet = cluster.fleet as Json | undefined;
      const project = (value as Json).project;
      // The membership stays only while the fleet project does.
      return {
        fleet: {
          ...(fleet?.project === project && fleet?.membership
            ? { membership: fleet.membership }
            : {}),
          ...(value as Json),
        },
      };
    }
    default:
      throw invalidField(`update.${field}`, `The GCP simulator does not serve ${field} updates.`);
  }
}

/**
 * `clusters.update`: GKE applies exactly one ClusterUpdate field per request, runs it as an
 * UPDATE_CLUSTER operation (the cluster RECONCILING meanwhile) and refuses it while another
 * operation runs on the cluster.
 */
export async function updateCluster(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  const update = (req.body.update as Json | undefined) ?? {};
  const fields = Object.keys(update).filter((field) => field.startsWith('desired'));
  if (fields.length !== 1) {
    throw invalidField(
      'update',
      fields.length === 0
        ? 'Must specify a field to update.'
        : `Exactly one update can be applied to a cluster with each request; got ${fields.join(', ')}.`,
    );
  }
  const field = fields[0]!;
  const changes = clusterFieldsFor(cluster, field, update[field]);
  return startReconcilingUpdate(req, loc, key, cluster, 'UPDATE_CLUSTER', {
    ...changes,
    etag: req.store.etag(),
  });
}

/**
 * Runs a cluster-wide change as a `type` operation with the cluster RECONCILING meanwhile: on
 * success `changes` land and the previous status returns; a failed one leaves the cluster as it
 * was. Shared by `clusters.update` and `clusters.setNetworkPolicy`.
 */
function startReconcilingUpdate(
  req: SimRequest,
  loc: Location,
  key: string,
  cluster: Json,
  type: string,
  changes: Json,
): Promise<Reply> {
  requireIdle(req.store, key);
  const previousStatus = cluster.status;
  cluster.status = 'RECONCILING';
  req.store.onChange();
  return startClusterPatch(
    req,
    loc,
    key,
    type,
    { ...changes, status: previousStatus },
    {
      kind: 'patch',
      collection: CLUSTERS,
      key,
      fields: { status: previousStatus },
    },
  );
}

/**
 * `clusters.setResourceLabels` (`.../resourceLabels` on the zones path): replaces the cluster's
 * labels as a SET_LABELS operation. The request must carry the current `labelFingerprint`; a
 * stale or missing one is GKE's 400 FAILED_PRECONDITION "fingerprint mismatch".
 */
export async function setResourceLabels(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  // proto3 JSON drops an empty map: no labels in the body means "remove them all".
  const labels = (req.body.resourceLabels as Json | undefined) ?? {};
  const supplied = String(req.body.labelFingerprint ?? '');
  const expected = String(cluster.labelFingerprint ?? labelFingerprintOf(cluster.resourceLabels));
  if (supplied !== expected) {
    throw new GoogleApiError(
      400,
      `Labels could not be set due to fingerprint mismatch; try again with the proper fingerprint: incorrect fingerprint supplied was "${supplied}", the expected one is "${expected}".`,
      { status: 'FAILED_PRECONDITION', reason: 'failedPrecondition' },
    );
  }
  requireIdle(req.store, key);
  const fields = {
    resourceLabels: structuredClone(labels),
    labelFingerprint: labelFingerprintOf(labels),
  };
  return startClusterPatch(req, loc, key, 'SET_LABELS', fields, { kind: 'none' });
}

/**
 * `clusters.setNetworkPolicy`: turns Calico enforcement on the nodes on or off as a
 * SET_NETWORK_POLICY operation (the cluster RECONCILING meanwhile: GKE recreates the nodes).
 * Enabling it needs the NetworkPolicy addon first, as GKE requires.
 */
export async function setNetworkPolicy(req: SimRequest): Promise<Reply> {
  const { key, cluster, loc } = requireCluster(req);
  const policy = req.body.networkPolicy as Json | undefined;
  if (policy === undefined) {
    throw invalidField('network_policy', 'network_policy is required.');
  }
  const addonDisabled =
    ((cluster.addonsConfig as Json | undefined)?.networkPolicyConfig as Json | undefined)
      ?.disabled !== false;
  if (policy.enabled === true && addonDisabled) {
    throw invalidField(
      'network_policy.enabled',
      'The network policy addon must be enabled before updating the nodes.',
    );
  }
  return startReconcilingUpdate(req, loc, key, cluster, 'SET_NETWORK_POLICY', {
    networkPolicy: structuredClone(policy),
  });
}

/** A cluster-update operation of `type` whose success patches the cluster with `fields`. */
function startClusterPatch(
  req: SimRequest,
  loc: Location,
  key: string,
  type: string,
  fields: Json,
  onError: Completion,
): Promise<Reply> {
  return startOperation(req, loc, {
    type,
    targetPath: key,
    kind: 'cluster-update',
    onDone: { kind: 'patch', collection: CLUSTERS, key, fields },
    onError,
  });
}
