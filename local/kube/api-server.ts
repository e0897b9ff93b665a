/**
 * The state of one simulated cluster's API server: the resource registry, the object store,
 * the kinds' write strategies, the watch feed, the counters and the clock. The verbs
 * (read-verbs, write-verbs, subresources, watch-stream) act on it; routing dispatches to them.
 */
import { randomUUID } from 'node:crypto';
import { ObjectStore } from './object-store.js';
import { newCounters } from './request-counters.js';
import { ResourceRegistry } from './resource-types.js';
import { createKindStrategies, type KindStrategies } from './strategies/index.js';
import { WatchHub } from './watch-hub.js';
import type { JsonObject } from '../../shared/lib/json.js';

const defaultNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class KubeApiServer {
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  readonly strategies: KindStrategies;
  readonly watches: WatchHub;
  counters = newCounters();

  constructor(
    stateFile: string | undefined,
    readonly now: () => Date,
  ) {
    this.store = new ObjectStore(stateFile);
    this.watches = new WatchHub(() => this.store.nextResourceVersion());
    this.strategies = createKindStrategies({
      registry: this.registry,
      store: this.store,
      timestamp: () => this.timestamp(),
    });
    if (this.store.empty) this.seedNamespaces();
  }

  /** Creates the namespaces every cluster starts with. */
  seedNamespaces(): void {
    for (const name of defaultNamespaces) {
      const object: JsonObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: randomUUID(),
          resourceVersion: this.store.nextResourceVersion(),
          creationTimestamp: this.timestamp(),
          labels: { 'kubernetes.io/metadata.name': name },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
      this.store.put({ group: '', kind: 'Namespace', namespace: undefined, name }, object);
    }
  }

  /** The server clock in the API's timestamp format (whole seconds). */
  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }
}
