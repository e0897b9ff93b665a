import type { Environment } from '../../spec/environment.js';
import { postRequest, type PlannedRequest } from './request.js';

/** serviceusage v1 `services:batchEnable` takes at most 20 services per call. */
export const BATCH_ENABLE_LIMIT = 20;

/** Body of `POST v1/projects/P/services:batchEnable` (message BatchEnableServicesRequest). */
export interface BatchEnableServicesBody {
  serviceIds: string[];
}

/** The services to enable, deduplicated and sorted, in chunks the API accepts. */
export function desiredServiceBatches(env: Environment): BatchEnableServicesBody[] {
  const services = [...new Set(env.spec.apis)].sort();
  const batches: BatchEnableServicesBody[] = [];
  for (let i = 0; i < services.length; i += BATCH_ENABLE_LIMIT) {
    batches.push({ serviceIds: services.slice(i, i + BATCH_ENABLE_LIMIT) });
  }
  return batches;
}

/**
 * The desired services that are not in `enabled` yet, in the same chunks: a repeated call after
 * a partial success enables only what is missing.
 */
export function missingServiceBatches(
  env: Environment,
  enabled: Iterable<string>,
): BatchEnableServicesBody[] {
  const have = new Set(enabled);
  const missing = desiredServiceBatches(env)
    .flatMap((batch) => batch.serviceIds)
    .filter((service) => !have.has(service));
  const batches: BatchEnableServicesBody[] = [];
  for (let i = 0; i < missing.length; i += BATCH_ENABLE_LIMIT) {
    batches.push({ serviceIds: missing.slice(i, i + BATCH_ENABLE_LIMIT) });
  }
  return batches;
}

/** The `apis` step's requests. */
export function serviceUsageRequests(env: Environment): PlannedRequest<BatchEnableServicesBody>[] {
  return desiredServiceBatches(env).map((body, index) =>
    postRequest(
      'ServiceBatchEnable',
      `batch-${index + 1}`,
      'serviceusage.googleapis.com',
      `/v1/projects/${env.spec.project}/services:batchEnable`,
      body,
    ),
  );
}
