import { compareManagedZone } from '../plan/gcp/diff.js';
import { desiredManagedZone, desiredRecordSets, recordChangeFor } from '../plan/gcp/dns.js';
import { ownershipLabels } from '../plan/gcp/names.js';
import type { StepContext, StepResult } from './contract.js';
import { POLL_SECONDS, done, raiseOnImmutableDrift, type StepDeps } from './support.js';

/** True when a zone carries this environment's ownership labels. */
function ownedBy(zone: Record<string, unknown>, labels: Record<string, string>): boolean {
  const have = (zone.labels ?? {}) as Record<string, unknown>;
  return Object.entries(labels).every(([key, value]) => have[key] === value);
}

/**
 * Idempotency: zones are addressed by their spec names (ALREADY_EXISTS means observe), and each
 * zone's records are brought to the spec by at most one atomic change, none when they match;
 * records the spec does not name (SOA, NS) are left alone.
 */
export async function ensurePrivateDns(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const { dns } = deps.gcp;
  const statuses = await Promise.all(
    env.spec.privateDns.zones.map(async (zone) => {
      const desired = desiredManagedZone(env, zone);
      const resource = `projects/${project}/managedZones/${zone.name}`;
      const observed = await dns.getZone(project, zone.name);
      if (!observed) {
        await dns.createZone(project, desired);
      } else {
        const comparison = compareManagedZone(desired, observed);
        raiseOnImmutableDrift(resource, comparison);
        if (comparison.patch) await dns.patchZone(project, zone.name, comparison.patch);
      }
      const change = recordChangeFor(zone, await dns.listRecordSets(project, zone.name));
      return change ? dns.applyChange(project, zone.name, change) : 'done';
    }),
  );
  if (statuses.some((status) => status !== 'done')) {
    return {
      status: 'pending',
      retryAfterSeconds: POLL_SECONDS.dns,
      message: 'record changes propagating',
    };
  }
  return done({ zones: env.spec.privateDns.zones.map((zone) => zone.name) });
}

/**
 * Deletes the spec's zones by name, only those labelled as this environment's: first the
 * records the spec put there (as observed), then the empty zone.
 */
export async function removePrivateDns(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const { dns } = deps.gcp;
  const labels = ownershipLabels(env);
  const kept: string[] = [];
  await Promise.all(
    env.spec.privateDns.zones.map(async (zone) => {
      const observed = await dns.getZone(project, zone.name);
      if (!observed) return;
      if (!ownedBy(observed, labels)) {
        kept.push(zone.name);
        return;
      }
      const wanted = new Set(desiredRecordSets(zone).map((set) => `${set.name} ${set.type}`));
      const deletions = (await dns.listRecordSets(project, zone.name)).filter((set) =>
        wanted.has(`${set.name} ${set.type}`),
      );
      if (deletions.length > 0) await dns.applyChange(project, zone.name, { deletions });
      await dns.deleteZone(project, zone.name);
    }),
  );
  return done(kept.length > 0 ? { kept } : {});
}
