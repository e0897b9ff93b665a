/**
 * Services: names are DNS-1035 labels (`ValidateServiceName`: they become DNS names); type ClusterIP, a cluster IP (kept across updates, else the next of the server's
 * range), session affinity None, and port protocol TCP and target port = port by default.
 */
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import type { KindStrategyFactory } from './kind-strategy.js';

export const serviceStrategy: KindStrategyFactory = () => {
  // Per server, as a cluster's IP allocator is.
  let nextClusterIp = 10;
  return {
    nameRule: 'dns1035-label',
    applyDefaults: (object, previous) => {
      const spec = isPlainObject(object.spec) ? object.spec : undefined;
      if (!spec) return;
      spec.type ??= 'ClusterIP';
      const previousSpec = isPlainObject(previous?.spec) ? previous.spec : {};
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        spec.clusterIP = previousSpec.clusterIP ?? `10.96.0.${nextClusterIp++ % 250}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      spec.sessionAffinity ??= 'None';
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports as JsonObject[]) {
          port.protocol ??= 'TCP';
          port.targetPort ??= port.port;
        }
      }
    },
  };
};
