import { compareResource } from '../plan/gcp/diff.js';
import { desiredManagedZone, desiredRecordSets, recordChangeFor } from '../plan/gcp/dns.js';
import { assertOwned, isOwnedBy } from '../plan/gcp/ownership.js';
import type { DnsApi } from '../core/gcp-apis.js';
import type { StepContext, StepResult } from '../core/step-contract.js';
import { POLL_SECONDS, done, pendingOn, raiseOnImmutableDrift, type StepDeps } from './support.js';

/**
 * Operation api of the private-dns step: Cloud DNS record changes still `pending`. Its name lists
 * them as `projects/P/managedZones/Z/changes/ID`, comma-separated (one step, up to one change per
 * zone), so a restarted caller resumes them by name with `changes.get`.
 */
export const DNS_CHANGE_API = 'dns-change';

const CHANGE_NAME = /^projects\/([^/]+)\/managedZones\/([^/]+)\/changes\/([^/]+)$/;

function changeName(project: string, zone: string, id: string): string {
  return `projects/${project}/managedZones/${zone}/changes/${id}`;
}

/**
 * The recorded changes that Cloud DNS still reports `pending`. A change that is gone (its zone
 * was deleted) or that cannot be parsed no longer holds anything up: the step re-observes.
 */
async function stillPending(dns: DnsApi, recorded: string): Promise<string[]> {
  const names = recorded.split(',').filter(Boolean);
  const states = await Promise.all(
    names.map(async (name) => {
      const parts = CHANGE_NAME.exec(name);
      if (!parts) return undefined;
      const [, project, zone, id] = parts as unknown as [string, string, string, string];
      const change = await dns.getChange(project, zone, id);
      return change?.status === 'pending' ? name : undefined;
    }),
  );
  return states.filter((name): name is string => name !== undefined);
}

function pendingChanges(names: string[], message: string): StepResult {
  return pendingOn({ api: DNS_CHANGE_API, name: names.join(',') }, POLL_SECONDS.dns, message);
}

/**
 * Idempotency: zones are addressed by their spec names (ALREADY_EXISTS means observe), and each
 * zone's records are brought to the spec by at most one atomic change, none when they match;
 * records the spec does not name (SOA, NS) are left alone. A change Cloud DNS reports `pending`
 * is recorded as the step's operation and resumed by id (`changes.get`) before anything else.
 */
export async function ensurePrivateDns(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const { project } = env.spec;
  const { dns } = deps.gcp;
  if (ctx.operation?.api === DNS_CHANGE_API) {
    const waiting = await stillPending(dns, ctx.operation.name);
    if (waiting.length > 0) return pendingChanges(waiting, 'record changes propagating');
  }
  // Observe every zone and refuse before any write: a zone of the same name that this
  // environment does not own is neither adopted nor patched.
  const zones = await Promise.all(
    env.spec.privateDns.zones.map(async (zone, index) => {
      const resource = `projects/${project}/managedZones/${zone.name}`;
      const observed = await dns.getZone(project, zone.name);
      if (observed) assertOwned(env, resource, observed, `spec.privateDns.zones[${index}].name`);
      return { zone, resource, observed };
    }),
  );
  const started = await Promise.all(
    zones.map(async ({ zone, resource, observed }) => {
      const desired = desiredManagedZone(env, zone);
      if (!observed) {
        await dns.createZone(project, desired);
      } else {
        const comparison = compareResource('ManagedZone', desired, observed);
        raiseOnImmutableDrift(resource, comparison);
        if (comparison.patch) await dns.patchZone(project, zone.name, comparison.patch);
      }
      const change = recordChangeFor(zone, await dns.listRecordSets(project, zone.name));
      if (!change) return undefined;
      const applied = await dns.applyChange(project, zone.name, change);
      return applied.status === 'done' ? undefined : changeName(project, zone.name, applied.id);
    }),
  );
  const pending = started.filter((name): name is string => name !== undefined);
  if (pending.length > 0) return pendingChanges(pending, 'record changes submitted');
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
  const kept: string[] = [];
  await Promise.all(
    env.spec.privateDns.zones.map(async (zone) => {
      const observed = await dns.getZone(project, zone.name);
      if (!observed) return;
      if (!isOwnedBy(env, observed)) {
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
