import type { ClusterManagerClient, protos } from '@google-cloud/container';
import { callGoogle } from './errors.js';
import { plainJson } from './plain.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type ContainerApi,
  type GcpResource,
  type OperationStatus,
} from '../core/gcp-apis.js';

/** `projects/P/locations/L` of any name below a location. */
function locationOf(name: string): string {
  return name.split('/').slice(0, 4).join('/');
}

/**
 * A container Operation as an {@link OperationStatus}, named by its full resource name so it can
 * be read back with `getOperation` (the API returns only the short name).
 */
export function containerOperationStatus(operation: unknown, location: string): OperationStatus {
  const op = plainJson(operation);
  const short = String(op.name ?? '');
  const name = short.includes('/') ? short : `${location}/operations/${short}`;
  const status: OperationStatus = { name, done: op.status === 'DONE' };
  const error = op.error as { code?: number; message?: string } | undefined;
  if (status.done && (error?.message || op.statusMessage)) {
    status.error = { message: error?.message ?? String(op.statusMessage) };
    if (error?.code !== undefined) status.error.code = error.code;
  }
  return status;
}

/** {@link ContainerApi} over `@google-cloud/container`'s ClusterManagerClient. */
export class ContainerAdapter implements ContainerApi {
  constructor(private readonly client: ClusterManagerClient) {}

  /** One resource by name, or undefined when it does not exist. */
  private async read(
    what: string,
    name: string,
    get: () => Promise<[unknown, ...unknown[]]>,
  ): Promise<GcpResource | undefined> {
    const found = await callGoogle(
      { action: `get ${what}`, resource: name },
      async () => (await get())[0],
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : plainJson(found);
  }

  /** Sends one call that starts an operation, and answers it named under `location`. */
  private start<N = never, A = never>(
    action: string,
    resource: string,
    location: string,
    call: () => Promise<[unknown, ...unknown[]]>,
    expected: { onNotFound?: () => N; onAlreadyExists?: () => A } = {},
  ): Promise<OperationStatus | N | A> {
    return callGoogle(
      { action, resource },
      async () => containerOperationStatus((await call())[0], location),
      expected,
    );
  }

  /** Starts creating `resource` (operations named under `location`); ALREADY_EXISTS when it is there. */
  private create(
    what: string,
    resource: string,
    location: string,
    call: () => Promise<[unknown, ...unknown[]]>,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    return this.start(`create ${what}`, resource, location, call, {
      onAlreadyExists: () => ALREADY_EXISTS,
    });
  }

  /** Starts deleting `name`; NOT_FOUND when it is already gone. */
  private remove(
    what: string,
    name: string,
    call: () => Promise<[unknown, ...unknown[]]>,
  ): Promise<OperationStatus | typeof NOT_FOUND> {
    return this.start(`delete ${what}`, name, locationOf(name), call, {
      onNotFound: () => NOT_FOUND,
    });
  }

  // Reads first, then the writes by verb: the steps observe before they act.
  async getCluster(name: string): Promise<GcpResource | undefined> {
    return this.read('cluster', name, () => this.client.getCluster({ name }));
  }

  async getNodePool(name: string): Promise<GcpResource | undefined> {
    return this.read('node pool', name, () => this.client.getNodePool({ name }));
  }

  async createCluster(
    parent: string,
    cluster: object & { name?: string },
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    return this.create('cluster', `${parent}/clusters/${String(cluster.name)}`, parent, () =>
      this.client.createCluster({ parent, cluster }),
    );
  }

  async createNodePool(
    parent: string,
    nodePool: object & { name?: string },
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    return this.create(
      'node pool',
      `${parent}/nodePools/${String(nodePool.name)}`,
      locationOf(parent),
      () => this.client.createNodePool({ parent, nodePool }),
    );
  }

  async updateCluster(name: string, update: object): Promise<OperationStatus> {
    return this.start('update cluster', name, locationOf(name), () =>
      this.client.updateCluster({ name, update }),
    );
  }

  async setClusterLabels(
    name: string,
    resourceLabels: Record<string, string>,
    labelFingerprint: string,
  ): Promise<OperationStatus> {
    return this.start('set labels of cluster', name, locationOf(name), () =>
      this.client.setLabels({ name, resourceLabels, labelFingerprint }),
    );
  }

  async setClusterNetworkPolicy(
    name: string,
    networkPolicy: { provider?: string; enabled?: boolean },
  ): Promise<OperationStatus> {
    return this.start('set network policy of cluster', name, locationOf(name), () =>
      this.client.setNetworkPolicy({
        name,
        // The spec's provider is the enum's name, which the client accepts as well.
        networkPolicy: networkPolicy as protos.google.container.v1.INetworkPolicy,
      }),
    );
  }

  async updateNodePool(name: string, request: object): Promise<OperationStatus> {
    return this.start('update node pool', name, locationOf(name), () =>
      this.client.updateNodePool({ ...request, name }),
    );
  }

  async deleteNodePool(name: string): Promise<OperationStatus | typeof NOT_FOUND> {
    return this.remove('node pool', name, () => this.client.deleteNodePool({ name }));
  }

  async deleteCluster(name: string): Promise<OperationStatus | typeof NOT_FOUND> {
    return this.remove('cluster', name, () => this.client.deleteCluster({ name }));
  }

  async getOperation(name: string): Promise<OperationStatus> {
    return this.start('get operation', name, locationOf(name), () =>
      this.client.getOperation({ name }),
    );
  }
}
