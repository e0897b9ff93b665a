import {
  desiredFirewalls,
  desiredNetwork,
  desiredRouter,
  desiredSubnetwork,
} from '../plan/gcp/compute.js';
import { compareResource, type DiffKind } from '../plan/gcp/diff.js';
import { networkPath, subnetworkPath } from '../plan/gcp/names.js';
import { assertOwned, isOwnedBy, ownerOf } from '../plan/gcp/ownership.js';
import type { Environment } from '../spec/environment.js';
import type { ComputeCollection, ComputeScope, OperationStatus } from '../core/gcp-apis.js';
import type { PendingOperation, StepContext, StepResult } from '../core/step-contract.js';
import {
  POLL_SECONDS,
  bodyDigest,
  done,
  pendingOn,
  raiseOnImmutableDrift,
  resumeOperation,
  startWithFreshIds,
  type StepDeps,
  waitFor,
} from './support.js';

/** One compute resource a step owns: where it lives, what it should be, how to compare it. */
interface ComputeItem {
  collection: ComputeCollection;
  kind: DiffKind;
  scope: ComputeScope;
  desired: { name: string } & object;
  /** The spec field that names the resource, for a `not-owned` refusal. */
  field?: string;
}

function resourcePath(item: Pick<ComputeItem, 'collection' | 'scope'>, name: string): string {
  const where = item.scope.region ? `regions/${item.scope.region}` : 'global';
  return `projects/${item.scope.project}/${where}/${item.collection}/${name}`;
}

function operationRef(scope: ComputeScope, op: OperationStatus): PendingOperation {
  return scope.region
    ? { api: 'compute-regional', name: op.name, location: scope.region }
    : { api: 'compute-global', name: op.name };
}

/**
 * Observe → diff → act for a set of compute resources. Returns the first unfinished operation it
 * started (or found recorded), or undefined when every resource exists and matches the spec.
 */
async function reconcileCompute(
  ctx: StepContext,
  deps: StepDeps,
  items: readonly ComputeItem[],
): Promise<StepResult | undefined> {
  const { compute } = deps.gcp;
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.compute);
  if (resumed.state === 'running') return resumed.wait;
  // A recorded operation that failed needs nothing special: the resource is re-observed below,
  // and a new insert gets a fresh requestId (startWithFreshIds).
  const started: { op: OperationStatus; scope: ComputeScope }[] = [];
  // Observe everything first and refuse before any write: a resource of the same name that
  // this environment does not own is neither adopted nor patched (docs/security.md).
  const observedItems = await Promise.all(
    items.map(async (item) => ({
      item,
      observed: await compute.get(item.collection, item.scope, item.desired.name),
    })),
  );
  for (const { item, observed } of observedItems) {
    if (observed) {
      assertOwned(ctx.environment, resourcePath(item, item.desired.name), observed, item.field);
    }
  }
  await Promise.all(
    observedItems.map(async ({ item, observed }) => {
      const path = resourcePath(item, item.desired.name);
      if (!observed) {
        const result = await startWithFreshIds(path, [ctx.runId, ctx.step, path], (requestId) =>
          compute.insert(item.collection, item.scope, item.desired, requestId),
        );
        // Someone (an earlier call whose answer was lost) created it meanwhile: observe next call.
        if (typeof result !== 'string' && !result.done)
          started.push({ op: result, scope: item.scope });
        return;
      }
      const comparison = compareResource(item.kind, item.desired, observed);
      raiseOnImmutableDrift(path, comparison);
      if (!comparison.patch) return;
      const { privateIpGoogleAccess, ...others } = comparison.patch;
      if (item.collection === 'subnetworks' && typeof privateIpGoogleAccess === 'boolean') {
        // subnetworks.patch does not change Private Google Access; its own method does. It
        // changes the fingerprint too, so any other drift is patched on the next call.
        const op = await startWithFreshIds(
          path,
          [ctx.runId, ctx.step, path, 'private-google-access', String(privateIpGoogleAccess)],
          (requestId) =>
            compute.setPrivateIpGoogleAccess(
              item.scope,
              item.desired.name,
              privateIpGoogleAccess,
              requestId,
            ),
        );
        if (!op.done) started.push({ op, scope: item.scope });
        else if (Object.keys(others).length > 0) started.push({ op, scope: item.scope });
        return;
      }
      // Subnetwork patches must carry the fingerprint they were computed against.
      const body =
        item.collection === 'subnetworks'
          ? { ...comparison.patch, fingerprint: observed.fingerprint }
          : comparison.patch;
      const op = await startWithFreshIds(
        path,
        [ctx.runId, ctx.step, path, 'patch', bodyDigest(comparison.patch)],
        (requestId) =>
          compute.patch(item.collection, item.scope, item.desired.name, body, requestId),
      );
      if (!op.done) started.push({ op, scope: item.scope });
    }),
  );
  const first = started[0];
  if (first) {
    return pendingOn(
      operationRef(first.scope, first.op),
      POLL_SECONDS.compute,
      `${started.length} compute operation(s) running`,
    );
  }
  return undefined;
}

/**
 * Deletes compute resources by their deterministic names (never by listing), waiting for each
 * delete; `owns` refuses a resource that carries the name but not the environment's mark (kept,
 * and reported in the output `kept`).
 */
async function removeCompute(
  ctx: StepContext,
  deps: StepDeps,
  items: readonly Pick<ComputeItem, 'collection' | 'scope' | 'desired'>[],
): Promise<StepResult> {
  const { compute } = deps.gcp;
  // Only what carries this environment's marker is deleted; the rest is kept and reported.
  const owns = (observed: Record<string, unknown>) => isOwnedBy(ctx.environment, observed);
  const resumed = await resumeOperation(ctx, deps, POLL_SECONDS.compute);
  if (resumed.state === 'running') return resumed.wait;
  const started: { op: OperationStatus; scope: ComputeScope }[] = [];
  const kept: string[] = [];
  await Promise.all(
    items.map(async (item) => {
      const path = resourcePath(item, item.desired.name);
      const observed = await compute.get(item.collection, item.scope, item.desired.name);
      if (!observed) return;
      if (!owns(observed)) {
        kept.push(item.desired.name);
        return;
      }
      const result = await startWithFreshIds(
        path,
        [ctx.runId, ctx.step, path, 'delete'],
        (requestId) => compute.delete(item.collection, item.scope, item.desired.name, requestId),
      );
      if (typeof result !== 'string') started.push({ op: result, scope: item.scope });
    }),
  );
  const running = started.find((entry) => !entry.op.done);
  if (running) return pendingOn(operationRef(running.scope, running.op), POLL_SECONDS.compute);
  if (started.length > 0) {
    // Deletes finished within this call: confirm they are gone before answering done.
    const left = await Promise.all(
      items.map((item) => compute.get(item.collection, item.scope, item.desired.name)),
    );
    if (left.some((resource) => resource !== undefined && owns(resource))) {
      return waitFor(POLL_SECONDS.compute, 'deletes finishing');
    }
  }
  return done(kept.length > 0 ? { kept } : {});
}

/** What each collection's resources are compared as, and whether they live in the region. */
const COLLECTIONS: Readonly<Record<ComputeCollection, { kind: DiffKind; regional: boolean }>> = {
  networks: { kind: 'Network', regional: false },
  subnetworks: { kind: 'Subnetwork', regional: true },
  routers: { kind: 'Router', regional: true },
  firewalls: { kind: 'Firewall', regional: false },
};

/** The environment's desired resources of one collection, as items to reconcile or remove. */
function computeItems(
  env: Environment,
  collection: ComputeCollection,
  desired: readonly ComputeItem['desired'][],
  field?: string,
): ComputeItem[] {
  const { kind, regional } = COLLECTIONS[collection];
  const scope: ComputeScope = regional
    ? { project: env.spec.project, region: env.spec.region }
    : { project: env.spec.project };
  return desired.map((resource) => ({
    collection,
    kind,
    scope,
    desired: resource,
    ...(field ? { field } : {}),
  }));
}

const networkItems = (env: Environment) =>
  computeItems(env, 'networks', [desiredNetwork(env)], 'spec.network.name');
const subnetItems = (env: Environment) =>
  computeItems(env, 'subnetworks', [desiredSubnetwork(env)], 'spec.subnet.name');
const routerItems = (env: Environment) =>
  computeItems(env, 'routers', [desiredRouter(env)], 'spec.nat.routerName');
const firewallItems = (env: Environment) => computeItems(env, 'firewalls', desiredFirewalls(env));

/**
 * Idempotency: the VPC is addressed by its spec name; a repeated call observes it and, when it
 * matches, writes nothing. The one deliberate exception to "adopt only what you own": a network
 * that carries no owner marker is one the user created and names (perhaps shared with other
 * workloads). It is used read-only — never patched — and teardown never deletes it (output
 * `networkOwned: "false"`). A network marked for another environment is refused (`not-owned`).
 */
export async function ensureNetwork(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const outputs = { network: env.spec.network.name, networkPath: networkPath(env) };
  if (!ctx.operation) {
    const [item] = networkItems(env);
    const observed = item
      ? await deps.gcp.compute.get(item.collection, item.scope, item.desired.name)
      : undefined;
    if (observed && ownerOf(observed) === undefined)
      return done({ ...outputs, networkOwned: 'false' });
  }
  const pending = await reconcileCompute(ctx, deps, networkItems(env));
  return pending ?? done({ ...outputs, networkOwned: 'true' });
}

/**
 * Deletes the VPC by its spec name, and only when it is marked as this environment's: a network
 * someone else created under the same name, or another environment's, is kept (output `kept`).
 */
export async function removeNetwork(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  return removeCompute(ctx, deps, networkItems(ctx.environment));
}

/** Idempotency: the subnet is addressed by its spec name; Private Google Access and secondary ranges are patched when they drift, the primary range is immutable. */
export async function ensureSubnet(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const pending = await reconcileCompute(ctx, deps, subnetItems(env));
  return (
    pending ??
    done({
      subnetwork: env.spec.subnet.name,
      subnetworkPath: subnetworkPath(env),
      ipCidrRange: env.spec.subnet.cidr,
    })
  );
}

/** Deletes the subnet by its spec name, only when it is marked as this environment's. */
export async function removeSubnet(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  return removeCompute(ctx, deps, subnetItems(ctx.environment));
}

/** Idempotency: the router is addressed by its spec name and created with its NAT; a router without the NAT (or with a drifted one) gets its `nats` patched. */
export async function ensureNat(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const env = ctx.environment;
  const pending = await reconcileCompute(ctx, deps, routerItems(env));
  return pending ?? done({ router: env.spec.nat.routerName, nat: env.spec.nat.name });
}

/** Deletes the Cloud Router (and with it its NAT) by its spec name, only when it is this environment's. */
export async function removeNat(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  return removeCompute(ctx, deps, routerItems(ctx.environment));
}

/** Idempotency: the nine rules are addressed by name; drifted ranges, ports, priorities and targets are patched, a changed direction, network or action is immutable drift. */
export async function ensureFirewalls(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  const items = firewallItems(ctx.environment);
  const pending = await reconcileCompute(ctx, deps, items);
  return pending ?? done({ firewalls: items.map((item) => item.desired.name) });
}

/** Deletes the nine rules by name, only those marked as this environment's. */
export async function removeFirewalls(ctx: StepContext, deps: StepDeps): Promise<StepResult> {
  return removeCompute(ctx, deps, firewallItems(ctx.environment));
}
