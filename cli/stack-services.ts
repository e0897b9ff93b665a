import type { SimSeed } from '../local/gcp/seed.js';
import { TENANT_REQUESTS_TOPIC, type StackInfo } from '../local/stack/state-files.js';
import { specHash, type Tenant } from '../shared/spec/index.js';
import { CliError } from './errors.js';

/**
 * What `up` asks of a running local stack's own services, beside the API: the GCP simulator's
 * admin endpoints and the Pub/Sub emulator.
 */

/** Resources the GCP simulator holds, by collection (what the run created). */
export async function simulatedResources(gcpUrl: string): Promise<Record<string, number>> {
  try {
    const res = await fetch(`${gcpUrl}/__admin/state`, { signal: AbortSignal.timeout(10_000) });
    const state = (await res.json()) as { resources?: Record<string, Record<string, unknown>> };
    return Object.fromEntries(
      Object.entries(state.resources ?? {})
        .map(([collection, items]): [string, number] => [collection, Object.keys(items).length])
        .filter(([, n]) => n > 0),
    );
  } catch {
    return {};
  }
}

/** Seeds an already running GCP simulator (idempotent: it creates only what is missing). */
export async function seedRunningSimulator(
  gcpUrl: string,
  seed: SimSeed,
  write: (text: string) => void,
): Promise<void> {
  const res = await fetch(`${gcpUrl}/__admin/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seed),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { created?: string[]; error?: { message?: string } };
  if (!res.ok)
    throw new CliError(body.error?.message ?? `seeding the GCP simulator: HTTP ${res.status}`);
  if (body.created?.length) write(`seeded the GCP simulator: ${body.created.join(', ')}\n`);
}

/** Publishes tenant specs to the stack's tenant-requests topic; returns the message ids. */
export async function publishTenants(stack: StackInfo, tenants: Tenant[]): Promise<string[]> {
  if (tenants.length === 0) return [];
  if (!stack.endpoints.pubsubHost)
    throw new CliError('the local stack runs no Pub/Sub emulator (see --only)');
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({
    projectId: stack.projectId,
    apiEndpoint: stack.endpoints.pubsubHost,
    emulatorMode: true,
  });
  try {
    return await Promise.all(
      tenants.map((tenant) =>
        pubsub.topic(TENANT_REQUESTS_TOPIC).publishMessage({
          json: tenant,
          attributes: {
            environment: tenant.spec.environment,
            // The same document published twice is the same request: one run, not two.
            idempotencyKey: `tenant-${tenant.metadata.name}-${specHash(tenant).slice(0, 32)}`,
          },
        }),
      ),
    );
  } finally {
    await pubsub.close();
  }
}
