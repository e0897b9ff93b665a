import type { ServiceUsageClient } from '@google-cloud/service-usage';
import { callGoogle } from './errors.js';
import type { OperationStatus, ServiceUsageApi } from '../core/gcp-apis.js';

/** A `google.longrunning.Operation` as an {@link OperationStatus}. */
export function longRunningStatus(operation: {
  name?: string | null;
  done?: boolean | null;
  error?: { code?: number | null; message?: string | null } | null;
}): OperationStatus {
  const status: OperationStatus = {
    name: String(operation.name ?? ''),
    done: operation.done === true,
  };
  if (status.done && operation.error && (operation.error.code || operation.error.message)) {
    status.error = { message: operation.error.message ?? 'operation failed' };
    if (operation.error.code !== undefined && operation.error.code !== null) {
      status.error.code = operation.error.code;
    }
  }
  return status;
}

/** {@link ServiceUsageApi} over `@google-cloud/service-usage`. */
export class ServiceUsageAdapter implements ServiceUsageApi {
  constructor(private readonly client: ServiceUsageClient) {}

  async listEnabled(project: string): Promise<string[]> {
    return callGoogle(
      { action: 'list enabled services of', resource: `projects/${project}` },
      async () => {
        const [services] = await this.client.listServices({
          parent: `projects/${project}`,
          filter: 'state:ENABLED',
        });
        return services
          .filter((service) => String(service.state) === 'ENABLED')
          .map((service) => String(service.config?.name ?? service.name?.split('/').pop() ?? ''));
      },
    );
  }

  async batchEnable(project: string, serviceIds: string[]): Promise<OperationStatus> {
    return callGoogle(
      { action: 'enable services in', resource: `projects/${project}` },
      async () => {
        const [operation] = await this.client.batchEnableServices({
          parent: `projects/${project}`,
          serviceIds,
        });
        return longRunningStatus({
          name: operation.name,
          done: operation.done,
          error:
            (
              operation.latestResponse as
                { error?: { code?: number; message?: string } } | undefined
            )?.error ?? null,
        });
      },
    );
  }

  async getOperation(name: string): Promise<OperationStatus> {
    return callGoogle({ action: 'get operation', resource: name }, async () => {
      const [operation] = await this.client.operationsClient.getOperation({ name } as never);
      return longRunningStatus(operation);
    });
  }
}
