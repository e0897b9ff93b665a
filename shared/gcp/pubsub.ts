import { callGoogle } from './errors.js';
import type { AuthorizedRequester } from './gkehub.js';
import type { IamPolicy } from '../plan/gcp/iam.js';
import { ALREADY_EXISTS, NOT_FOUND, type GcpResource, type PubsubApi } from '../core/gcp-apis.js';

/**
 * {@link PubsubApi} over pubsub v1 REST. The official client speaks gRPC to Google and to the
 * emulator alike; the REST paths keep one transport for Google and the local simulator, which
 * fronts the emulator and adds topic IAM.
 */
export class PubsubAdapter implements PubsubApi {
  /** `root`: `https://pubsub.googleapis.com`, or the simulator's origin. */
  constructor(
    private readonly requester: AuthorizedRequester,
    private readonly root: string,
  ) {}

  private async send<T>(url: string, method = 'GET', data?: unknown): Promise<T> {
    return (
      await this.requester.request<T>({
        url: `${this.root}/v1/${url}`,
        method,
        ...(data !== undefined ? { data } : {}),
      })
    ).data;
  }

  async getTopic(name: string): Promise<GcpResource | undefined> {
    return callGoogle({ action: 'get topic', resource: name }, () => this.send<GcpResource>(name), {
      onNotFound: () => undefined,
    });
  }

  async createTopic(name: string, body: object): Promise<GcpResource | typeof ALREADY_EXISTS> {
    return callGoogle(
      { action: 'create topic', resource: name },
      () => this.send<GcpResource>(name, 'PUT', body),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async deleteTopic(name: string): Promise<'deleted' | typeof NOT_FOUND> {
    return callGoogle(
      { action: 'delete topic', resource: name },
      async () => (await this.send(name, 'DELETE'), 'deleted' as const),
      { onNotFound: () => NOT_FOUND },
    );
  }

  async getTopicIamPolicy(name: string): Promise<IamPolicy> {
    return callGoogle({ action: 'get topic IAM policy', resource: name }, () =>
      this.send<IamPolicy>(`${name}:getIamPolicy`),
    );
  }

  async setTopicIamPolicy(name: string, policy: IamPolicy): Promise<IamPolicy> {
    return callGoogle({ action: 'set topic IAM policy', resource: name }, () =>
      this.send<IamPolicy>(`${name}:setIamPolicy`, 'POST', { policy }),
    );
  }

  async getSubscription(name: string): Promise<GcpResource | undefined> {
    return callGoogle(
      { action: 'get subscription', resource: name },
      () => this.send<GcpResource>(name),
      { onNotFound: () => undefined },
    );
  }

  async createSubscription(
    name: string,
    body: object,
  ): Promise<GcpResource | typeof ALREADY_EXISTS> {
    return callGoogle(
      { action: 'create subscription', resource: name },
      () => this.send<GcpResource>(name, 'PUT', body),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async modifyPushConfig(name: string, pushConfig: object): Promise<void> {
    await callGoogle({ action: 'modify push config', resource: name }, () =>
      this.send(`${name}:modifyPushConfig`, 'POST', { pushConfig }),
    );
  }

  async deleteSubscription(name: string): Promise<'deleted' | typeof NOT_FOUND> {
    return callGoogle(
      { action: 'delete subscription', resource: name },
      async () => (await this.send(name, 'DELETE'), 'deleted' as const),
      { onNotFound: () => NOT_FOUND },
    );
  }
}
