import type { ClusterManagerClient, protos } from '@google-cloud/container';
import { callGoogle } from './errors.js';
import { plainJson } from './plain.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type ContainerApi,
  type GcpResource,
  type OperationStatus,
} from './types.js';

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

  async getCluster(name: string): Promise<GcpResource | undefined> {
    const found = await callGoogle(
      { action: 'get cluster', resource: name },
      async () => (await this.client.getCluster({ name }))[0],
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : plainJson(found);
  }

  async createCluster(
    parent: string,
    cluster: object & { name?: string },
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    return callGoogle(
      { action: 'create cluster', resource: `${parent}/clusters/${String(cluster.name)}` },
      async () =>
        containerOperationStatus((await this.client.createCluster({ parent, cluster }))[0], parent),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async updateCluster(name: string, update: object): Promise<OperationStatus> {
    return callGoogle({ action: 'update cluster', resource: name }, async () =>
      containerOperationStatus(
        (await this.client.updateCluster({ name, update }))[0],
        locationOf(name),
      ),
    );
  }

  async setClusterLabels(
    name: string,
    resourceLabels: Record<string, string>,
    labelFingerprint: string,
  ): Promise<OperationStatus> {
    return callGoogle({ action: 'set labels of cluster', resource: name }, async () =>
      containerOperationStatus(
        (await this.client.setLabels({ name, resourceLabels, labelFingerprint }))[0],
        locationOf(name),
      ),
    );
  }

  async setClusterNetworkPolicy(
    name: string,
    networkPolicy: { provider?: string; enabled?: boolean },
  ): Promise<OperationStatus> {
    return callGoogle({ action: 'set network policy of cluster', resource: name }, async () =>
      containerOperationStatus(
        (
          await this.client.setNetworkPolicy({
            name,
            // The spec's provider is the enum's name, which the client accepts as well.
            networkPolicy: networkPolicy as protos.google.container.v1.INetworkPolicy,
          })
        )[0],
        locationOf(name),
      ),
    );
  }

  async deleteCluster(name: string): Promise<OperationStatus | typeof NOT_FOUND> {
    return callGoogle(
      { action: 'delete cluster', resource: name },
      async () =>
        containerOperationStatus((await this.client.deleteCluster({ name }))[0], locationOf(name)),
      { onNotFound: () => NOT_FOUND },
    );
  }

  async getNodePool(name: string): Promise<GcpResource | undefined> {
    const found = await callGoogle(
      { action: 'get node pool', resource: name },
      async () => (await this.client.getNodePool({ name }))[0],
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : plainJson(found);
  }

  async createNodePool(
    parent: string,
    nodePool: object & { name?: string },
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    return callGoogle(
      { action: 'create node pool', resource: `${parent}/nodePools/${String(nodePool.name)}` },
      async () =>
        containerOperationStatus(
          (await this.client.createNodePool({ parent, nodePool }))[0],
          locationOf(parent),
        ),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async updateNodePool(name: string, request: object): Promise<OperationStatus> {
    return callGoogle({ action: 'update node pool', resource: name }, async () =>
      containerOperationStatus(
        (await this.client.updateNodePool({ ...request, name }))[0],
        locationOf(name),
      ),
    );
  }

  async deleteNodePool(name: string): Promise<OperationStatus | typeof NOT_FOUND> {
    return callGoogle(
      { action: 'delete node pool', resource: name },
      async () =>
        containerOperationStatus((await this.client.deleteNodePool({ name }))[0], locationOf(name)),
      { onNotFound: () => NOT_FOUND },
    );
  }

  async getOperation(name: string): Promise<OperationStatus> {
    return callGoogle({ action: 'get operation', resource: name }, async () =>
      containerOperationStatus((await this.client.getOperation({ name }))[0], locationOf(name)),
    );
  }
}
