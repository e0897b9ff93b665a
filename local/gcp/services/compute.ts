import { invalidField } from '../api-error.js';
import { type HandlerTable } from '../handler.js';
import {
  collectionOf,
  dedupe,
  requireAddressed,
  getOperation,
  kinds,
  listOperations,
  resourcePath,
  startComputeOperation,
  base,
} from './compute-operations.js';
import {
  aggregatedListHandler,
  deleteHandler,
  getHandler,
  insertHandler,
  listHandler,
  patchHandler,
} from './compute-methods.js';
import {
  buildFirewall,
  buildNetwork,
  buildRouter,
  buildSubnetwork,
  checkNats,
  checkSubnetRanges,
  networkInUse,
  removeSubnetFromNetwork,
  subnetInUse,
} from './compute-resources.js';

export { computeLink, resolveComputeRef } from './compute-operations.js';

/**
 * compute v1: networks, subnetworks, routers (with NAT), firewalls and their operations, with
 * the reference, overlap and in-use rules of the real API.
 */

const subnetDelete = deleteHandler(kinds.subnetworks, subnetInUse);
const patchSubnetwork = patchHandler(kinds.subnetworks, (req, merged, path) => {
  checkSubnetRanges(req, merged, String(merged.network).slice(base.length), path);
});

/** compute v1 handlers by method id. */
export const computeHandlers: HandlerTable = {
  'compute.networks.insert': insertHandler(kinds.networks, buildNetwork),
  'compute.networks.get': getHandler(kinds.networks),
  'compute.networks.list': listHandler(kinds.networks),
  'compute.networks.delete': deleteHandler(kinds.networks, networkInUse),
  'compute.networks.patch': patchHandler(kinds.networks, () => {}),
  'compute.subnetworks.insert': insertHandler(kinds.subnetworks, buildSubnetwork),
  'compute.subnetworks.get': getHandler(kinds.subnetworks),
  'compute.subnetworks.list': listHandler(kinds.subnetworks),
  'compute.subnetworks.aggregatedList': aggregatedListHandler(kinds.subnetworks),
  'compute.subnetworks.delete': async (req) => {
    const reply = await subnetDelete(req);
    const path = resourcePath(req, kinds.subnetworks, req.params.subnetwork!);
    removeSubnetFromNetwork(req, path);
    return reply;
  },
  'compute.subnetworks.patch': async (req) => {
    const path = resourcePath(req, kinds.subnetworks, req.params.subnetwork!);
    const current = req.store.get(collectionOf(kinds.subnetworks), path);
    // Google's Subnetwork reference: privateIpGoogleAccess "can be both set at resource creation
    // time and updated using setPrivateIpGoogleAccess", and patch changes only the fields that
    // say so. Refusing it here keeps a client honest; Google's exact answer is unverified.
    if (
      current &&
      req.body.privateIpGoogleAccess !== undefined &&
      req.body.privateIpGoogleAccess !== current.privateIpGoogleAccess
    ) {
      throw invalidField(
        'resource.privateIpGoogleAccess',
        "Invalid value for field 'resource.privateIpGoogleAccess': patch cannot change it; use subnetworks.setPrivateIpGoogleAccess.",
      );
    }
    return patchSubnetwork(req);
  },
  'compute.subnetworks.setPrivateIpGoogleAccess': async (req) => {
    const repeated = dedupe(req);
    if (repeated) return repeated;
    const { path, resource: current } = requireAddressed(req, kinds.subnetworks);
    const enabled = req.body.privateIpGoogleAccess;
    if (typeof enabled !== 'boolean') {
      throw invalidField(
        'privateIpGoogleAccess',
        "Invalid value for field 'privateIpGoogleAccess': must be true or false.",
      );
    }
    req.store.put(collectionOf(kinds.subnetworks), path, {
      ...current,
      privateIpGoogleAccess: enabled,
      fingerprint: req.store.etag(),
    });
    return startComputeOperation(req, kinds.subnetworks, {
      operationType: 'setPrivateIpGoogleAccess',
      targetPath: path,
      targetId: String(current.id),
      onDone: { kind: 'none' },
      onError: {
        kind: 'patch',
        collection: collectionOf(kinds.subnetworks),
        key: path,
        fields: current,
      },
    });
  },
  'compute.routers.insert': insertHandler(kinds.routers, buildRouter),
  'compute.routers.get': getHandler(kinds.routers),
  'compute.routers.list': listHandler(kinds.routers),
  'compute.routers.aggregatedList': aggregatedListHandler(kinds.routers),
  'compute.routers.delete': deleteHandler(kinds.routers),
  'compute.routers.patch': patchHandler(kinds.routers, (_req, merged) => checkNats(merged.nats)),
  'compute.firewalls.insert': insertHandler(kinds.firewalls, buildFirewall),
  'compute.firewalls.get': getHandler(kinds.firewalls),
  'compute.firewalls.list': listHandler(kinds.firewalls),
  'compute.firewalls.delete': deleteHandler(kinds.firewalls),
  'compute.firewalls.patch': patchHandler(kinds.firewalls, (req, merged) => {
    buildFirewall(req, { ...merged, network: merged.network });
  }),
  'compute.globalOperations.get': getOperation,
  'compute.globalOperations.wait': getOperation,
  'compute.globalOperations.list': listOperations,
  'compute.regionOperations.get': getOperation,
  'compute.regionOperations.wait': getOperation,
  'compute.regionOperations.list': listOperations,
  'compute.zoneOperations.get': getOperation,
  'compute.zoneOperations.wait': getOperation,
  'compute.zoneOperations.list': listOperations,
};
