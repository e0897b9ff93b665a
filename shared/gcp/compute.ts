import type * as compute from '@google-cloud/compute';
import { PermanentError } from '../errors.js';
import type { PendingOperation } from '../core/step-contract.js';
import { callGoogle } from './errors.js';
import { plainJson } from './plain.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type ComputeApi,
  type ComputeCollection,
  type ComputeScope,
  type GcpResource,
  type OperationStatus,
} from '../core/gcp-apis.js';

/** The compute clients the adapter needs, built by a composition root. */
export interface ComputeClients {
  networks: compute.NetworksClient;
  subnetworks: compute.SubnetworksClient;
  routers: compute.RoutersClient;
  firewalls: compute.FirewallsClient;
  globalOperations: compute.GlobalOperationsClient;
  regionOperations: compute.RegionOperationsClient;
  zoneOperations: compute.ZoneOperationsClient;
}

/** The request shapes the four resource clients share, under their own field names. */
interface ResourceClient {
  get(request: object): Promise<[unknown, ...unknown[]]>;
  insert(
    request: object,
  ): Promise<[{ latestResponse?: unknown; name?: string | null }, ...unknown[]]>;
  patch(
    request: object,
  ): Promise<[{ latestResponse?: unknown; name?: string | null }, ...unknown[]]>;
  delete(
    request: object,
  ): Promise<[{ latestResponse?: unknown; name?: string | null }, ...unknown[]]>;
}

/** Per collection: the request field naming the resource and the one carrying its body. */
const FIELDS: Readonly<
  Record<ComputeCollection, { name: string; resource: string; singular: string }>
> = {
  networks: { name: 'network', resource: 'networkResource', singular: 'network' },
  subnetworks: { name: 'subnetwork', resource: 'subnetworkResource', singular: 'subnetwork' },
  routers: { name: 'router', resource: 'routerResource', singular: 'router' },
  firewalls: { name: 'firewall', resource: 'firewallResource', singular: 'firewall' },
};

/** A compute Operation (REST JSON) as an {@link OperationStatus}. */
export function computeOperationStatus(operation: unknown): OperationStatus {
  const op = plainJson(operation);
  const status: OperationStatus = { name: String(op.name ?? ''), done: op.status === 'DONE' };
  const error = op.error as { errors?: { code?: string; message?: string }[] } | undefined;
  const first = error?.errors?.[0];
  if (status.done && first) {
    status.error = { message: first.message ?? String(op.httpErrorMessage ?? 'operation failed') };
    if (first.code !== undefined) status.error.code = first.code;
  }
  return status;
}

/** {@link ComputeApi} over the official `@google-cloud/compute` clients (REST). */
export class ComputeAdapter implements ComputeApi {
  constructor(private readonly clients: ComputeClients) {}

  private client(collection: ComputeCollection): ResourceClient {
    return this.clients[collection] as unknown as ResourceClient;
  }

  private request(collection: ComputeCollection, scope: ComputeScope, extra: object): object {
    return { project: scope.project, ...(scope.region ? { region: scope.region } : {}), ...extra };
  }

  private path(collection: ComputeCollection, scope: ComputeScope, name: string): string {
    const where = scope.region ? `regions/${scope.region}` : 'global';
    return `projects/${scope.project}/${where}/${collection}/${name}`;
  }

  async get(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
  ): Promise<GcpResource | undefined> {
    const fields = FIELDS[collection];
    const found = await callGoogle(
      { action: `get ${fields.singular}`, resource: this.path(collection, scope, name) },
      async () =>
        (
          await this.client(collection).get(
            this.request(collection, scope, { [fields.name]: name }),
          )
        )[0],
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : plainJson(found);
  }

  /** Sends one write of a collection and answers the operation it started. */
  private startOperation<N = never, A = never>(
    verb: 'insert' | 'patch' | 'delete',
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
    fields: object,
    expected: { onNotFound?: () => N; onAlreadyExists?: () => A } = {},
  ): Promise<OperationStatus | N | A> {
    return callGoogle(
      {
        action: `${verb} ${FIELDS[collection].singular}`,
        resource: this.path(collection, scope, name),
      },
      async () => {
        const [started] = await this.client(collection)[verb](
          this.request(collection, scope, fields),
        );
        return computeOperationStatus(started.latestResponse);
      },
      expected,
    );
  }

  async insert(
    collection: ComputeCollection,
    scope: ComputeScope,
    body: object & { name?: string },
    requestId: string,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    const { resource } = FIELDS[collection];
    return this.startOperation(
      'insert',
      collection,
      scope,
      String(body.name),
      { requestId, [resource]: body },
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async patch(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
    body: object,
    requestId: string,
  ): Promise<OperationStatus> {
    const fields = FIELDS[collection];
    return this.startOperation('patch', collection, scope, name, {
      [fields.name]: name,
      requestId,
      [fields.resource]: body,
    });
  }

  async delete(
    collection: ComputeCollection,
    scope: ComputeScope,
    name: string,
    requestId: string,
  ): Promise<OperationStatus | typeof NOT_FOUND> {
    return this.startOperation(
      'delete',
      collection,
      scope,
      name,
      { [FIELDS[collection].name]: name, requestId },
      { onNotFound: () => NOT_FOUND },
    );
  }

  async setPrivateIpGoogleAccess(
    scope: ComputeScope,
    subnetwork: string,
    enabled: boolean,
    requestId: string,
  ): Promise<OperationStatus> {
    return callGoogle(
      {
        action: 'set Private Google Access of subnetwork',
        resource: this.path('subnetworks', scope, subnetwork),
      },
      async () => {
        const [started] = await this.clients.subnetworks.setPrivateIpGoogleAccess({
          project: scope.project,
          region: scope.region ?? '',
          subnetwork,
          requestId,
          subnetworksSetPrivateIpGoogleAccessRequestResource: { privateIpGoogleAccess: enabled },
        });
        return computeOperationStatus(started.latestResponse);
      },
    );
  }

  async getOperation(project: string, operation: PendingOperation): Promise<OperationStatus> {
    const site = { action: 'get operation', resource: operation.name };
    const read = (get: () => Promise<[unknown, ...unknown[]]>) =>
      callGoogle(site, async () => computeOperationStatus((await get())[0]));
    const location = operation.location ?? '';
    switch (operation.api) {
      case 'compute-global':
        return read(() =>
          this.clients.globalOperations.get({ project, operation: operation.name }),
        );
      case 'compute-regional':
        return read(() =>
          this.clients.regionOperations.get({
            project,
            region: location,
            operation: operation.name,
          }),
        );
      case 'compute-zonal':
        return read(() =>
          this.clients.zoneOperations.get({ project, zone: location, operation: operation.name }),
        );
      default:
        throw new PermanentError(
          'invalid-operation',
          `operation ${operation.name} belongs to ${operation.api}, not compute`,
        );
    }
  }
}
