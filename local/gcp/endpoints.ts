/**
 * How the real `gcloud` CLI reaches the simulator: one `CLOUDSDK_API_ENDPOINT_OVERRIDES_*`
 * variable per API, which `egressctl local env` prints. compute, dns and storage carry their
 * version path, the others are served from the root.
 */
export function gcloudEndpointOverrides(url: string): Record<string, string> {
  const root = url.replace(/\/+$/, '');
  return {
    CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: `${root}/compute/v1/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${root}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS: `${root}/dns/v1/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM: `${root}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER: `${root}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: `${root}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_GKEHUB: `${root}/`,
    // Topics, subscriptions and topic IAM in front of the Pub/Sub emulator.
    CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB: `${root}/`,
    // `gcloud storage buckets describe|get-iam-policy gs://B` (the JSON API's bucket subset).
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${root}/storage/v1/`,
  };
}
