import { callGoogle } from './errors.js';
import { longRunningStatus } from './serviceusage.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type GcpResource,
  type GkeHubApi,
  type OperationStatus,
} from '../core/gcp-apis.js';

/**
 * What the adapter needs of an auth client: google-auth-library's `request` (GoogleAuth with
 * default credentials in production, PassThroughClient against the simulator). There is no Node
 * client of gkehub in the registry, so the REST paths are called directly.
 */
export interface AuthorizedRequester {
  request<T>(options: { url: string; method?: string; data?: unknown }): Promise<{ data: T }>;
}

/** {@link GkeHubApi} over gkehub v1 REST. */
export class GkeHubAdapter implements GkeHubApi {
  /** `root`: `https://gkehub.googleapis.com`, or the simulator's origin. */
  constructor(
    private readonly requester: AuthorizedRequester,
    private readonly root: string,
  ) {}

  private featureName(project: string, feature: string): string {
    return `projects/${project}/locations/global/features/${feature}`;
  }

  async getFeature(project: string, feature: string): Promise<GcpResource | undefined> {
    const name = this.featureName(project, feature);
    return callGoogle(
      { action: 'get feature', resource: name },
      async () =>
        (await this.requester.request<GcpResource>({ url: `${this.root}/v1/${name}` })).data,
      { onNotFound: () => undefined },
    );
  }

  async createFeature(
    project: string,
    feature: string,
    body: object,
  ): Promise<OperationStatus | typeof ALREADY_EXISTS> {
    const parent = `projects/${project}/locations/global`;
    return callGoogle(
      { action: 'create feature', resource: this.featureName(project, feature) },
      async () =>
        longRunningStatus(
          (
            await this.requester.request<{ name?: string; done?: boolean }>({
              url: `${this.root}/v1/${parent}/features?featureId=${encodeURIComponent(feature)}`,
              method: 'POST',
              data: body,
            })
          ).data,
        ),
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async patchFeature(
    project: string,
    feature: string,
    body: object,
    updateMask: string,
  ): Promise<OperationStatus> {
    const name = this.featureName(project, feature);
    return callGoogle({ action: 'patch feature', resource: name }, async () =>
      longRunningStatus(
        (
          await this.requester.request<{ name?: string; done?: boolean }>({
            url: `${this.root}/v1/${name}?updateMask=${encodeURIComponent(updateMask)}`,
            method: 'PATCH',
            data: body,
          })
        ).data,
      ),
    );
  }

  async deleteFeature(
    project: string,
    feature: string,
  ): Promise<OperationStatus | typeof NOT_FOUND> {
    const name = this.featureName(project, feature);
    return callGoogle(
      { action: 'delete feature', resource: name },
      async () =>
        longRunningStatus(
          (
            await this.requester.request<{ name?: string; done?: boolean }>({
              url: `${this.root}/v1/${name}`,
              method: 'DELETE',
            })
          ).data,
        ),
      { onNotFound: () => NOT_FOUND },
    );
  }

  async getOperation(name: string): Promise<OperationStatus> {
    return callGoogle({ action: 'get operation', resource: name }, async () =>
      longRunningStatus(
        (
          await this.requester.request<{ name?: string; done?: boolean }>({
            url: `${this.root}/v1/${name}`,
          })
        ).data,
      ),
    );
  }
}
