import type { SimSeed } from '../local/gcp/seed.js';
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
