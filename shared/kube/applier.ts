import { PermanentError } from '../errors.js';
import type {
  ApplyReport,
  ApplySetRef,
  KubeObjectClient,
  LiveObject,
  ManagedKind,
  ObjectReference,
} from '../core/kube-apis.js';
import { objectKey, type KubeObject } from '../plan/kube-object.js';
import { ADOPTED_ANNOTATION } from '../plan/mesh/index.js';
import { MANAGED_BY_VALUE, OWNER_LABELS } from '../spec/constants.js';
import {
  APPLY_SET_LABEL,
  FIELD_MANAGER,
  MANAGED_KINDS,
  PROTECTED_NAMESPACES,
  applyGroups,
  deleteGroups,
} from './kinds.js';
import { isAppliedUnchanged } from './owned-fields.js';

export type { ApplyReport, ApplySetRef };

/** Options of {@link applyObjectSet}. */
export interface ApplyObjectSetOptions {
  client: KubeObjectClient;
  set: ApplySetRef;
  /** The full desired content of the set (the compiler's output). */
  objects: readonly KubeObject[];
  /** Kinds listed to find what to prune; every kind the compiler emits by default. */
  kinds?: readonly ManagedKind[];
  /** Delete owned objects that are no longer desired (default true). */
  prune?: boolean;
  /** Requests in flight at once within one apply rank (default 4). */
  concurrency?: number;
  /**
   * Only check that the set may be applied (no tenant namespace the product does not own) and
   * write nothing: a caller with other side effects runs it first.
   */
  checkOnly?: boolean;
}

/** A report of an apply that has done nothing yet. */
export function emptyApplyReport(): ApplyReport {
  return {
    applied: [],
    unchanged: [],
    deleted: [],
    cascaded: [],
    released: [],
    terminating: [],
    live: new Map(),
  };
}

/** The label selector of a set's objects. */
export function applySetSelector(set: ApplySetRef): string {
  return [
    `${OWNER_LABELS.managedBy}=${MANAGED_BY_VALUE}`,
    `${OWNER_LABELS.environment}=${set.environment}`,
    `${APPLY_SET_LABEL}=${set.name}`,
  ].join(',');
}

function referenceOf(obj: KubeObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first failure after all settle. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** The body the applier sends: the desired object plus the set label; the input is not changed. */
function withSetLabel(obj: KubeObject, set: ApplySetRef): KubeObject {
  const environment = obj.metadata.labels?.[OWNER_LABELS.environment];
  if (environment !== set.environment) {
    // Without the ownership label the object could never be found again to prune.
    throw new PermanentError(
      'unowned-object',
      `${objectKey(obj)} carries ${OWNER_LABELS.environment}=${environment ?? '(none)'}, not ${set.environment}`,
      { resource: objectKey(obj), field: `metadata.labels.${OWNER_LABELS.environment}` },
    );
  }
  return {
    ...obj,
    metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [APPLY_SET_LABEL]: set.name } },
  };
}

function isAdopted(obj: LiveObject): boolean {
  if (obj.kind === 'Namespace' && PROTECTED_NAMESPACES.has(obj.metadata.name)) return true;
  return obj.metadata.annotations?.[ADOPTED_ANNOTATION] === 'true';
}

/**
 * Makes the set's live objects equal `objects`: lists what the set owns (one request per kind),
 * server-side applies in dependency order (namespaces, cluster-scoped, then namespaced kinds)
 * only what differs from the fields the product owns, then deletes owned objects no longer
 * desired in reverse order. Adopted objects (kube-system, istio-system) are never deleted: the
 * applier drops only its own fields from them. Safe to run twice at once with the same objects
 * (applies are idempotent, a delete that finds nothing is success) and to rerun after any
 * failure (every call starts from what the cluster holds).
 */
export async function applyObjectSet(options: ApplyObjectSetOptions): Promise<ApplyReport> {
  const { client, set } = options;
  const limit = options.concurrency ?? 4;
  const report = emptyApplyReport();
  const desired = new Map<string, KubeObject>();
  for (const obj of options.objects) {
    const key = objectKey(obj);
    if (desired.has(key)) {
      throw new PermanentError('duplicate-object', `${key} is in the desired set twice`, {
        resource: key,
      });
    }
    desired.set(key, withSetLabel(obj, set));
  }

  const owned = new Map<string, LiveObject>();
  const selector = applySetSelector(set);
  const kinds = options.kinds ?? MANAGED_KINDS;
  // A check reads only what it judges (the set's namespaces), not every kind the apply prunes.
  const listed = options.checkOnly ? kinds.filter((k) => k.kind === 'Namespace') : kinds;
  await forEachLimited(listed, limit, async (kind) => {
    for (const obj of await client.list(kind, selector)) owned.set(objectKey(obj), obj);
  });

  await refuseForeignTenantNamespaces(client, set, desired, owned, limit);
  if (options.checkOnly) return report;

  for (const group of applyGroups([...desired.values()])) {
    await forEachLimited(group, limit, async (body) => {
      const key = objectKey(body);
      const live = owned.get(key);
      if (
        live &&
        !live.metadata.deletionTimestamp &&
        isAppliedUnchanged(body, live, FIELD_MANAGER)
      ) {
        report.unchanged.push(key);
        report.live.set(key, live);
        return;
      }
      report.live.set(key, await client.apply(body));
      report.applied.push(key);
    });
  }

  if (options.prune ?? true) await prune(client, desired, owned, report, limit);
  for (const list of [report.applied, report.unchanged, report.deleted, report.cascaded])
    list.sort();
  return report;
}

/**
 * A tenant's Namespace is applied only if the product created it for that tenant: a namespace
 * that exists without this environment's ownership labels for the same tenant (created by
 * someone else, by another environment, or for another tenant) is not adopted, since a forced
 * server-side apply would take it over and offboarding would then delete it. Refused with
 * PermanentError('not-owned') naming the namespace, before anything is written.
 */
async function refuseForeignTenantNamespaces(
  client: KubeObjectClient,
  set: ApplySetRef,
  desired: ReadonlyMap<string, KubeObject>,
  owned: ReadonlyMap<string, LiveObject>,
  limit: number,
): Promise<void> {
  const tenantNamespaces = [...desired.values()].filter(
    (obj) =>
      obj.kind === 'Namespace' &&
      obj.metadata.labels?.[OWNER_LABELS.tenant] !== undefined &&
      obj.metadata.annotations?.[ADOPTED_ANNOTATION] !== 'true',
  );
  await forEachLimited(tenantNamespaces, limit, async (body) => {
    const key = objectKey(body);
    const live = owned.get(key) ?? (await client.read(referenceOf(body)));
    if (!live) return;
    const labels = live.metadata.labels ?? {};
    const tenant = body.metadata.labels?.[OWNER_LABELS.tenant];
    if (
      labels[OWNER_LABELS.managedBy] !== MANAGED_BY_VALUE ||
      labels[OWNER_LABELS.environment] !== set.environment ||
      labels[OWNER_LABELS.tenant] !== tenant
    ) {
      const owner =
        labels[OWNER_LABELS.managedBy] === MANAGED_BY_VALUE
          ? `environment "${labels[OWNER_LABELS.environment] ?? '?'}", tenant "${labels[OWNER_LABELS.tenant] ?? '(none)'}"`
          : 'not created by egress-provisioner';
      throw new PermanentError(
        'not-owned',
        `namespace "${body.metadata.name}" already exists and is not owned by tenant "${tenant ?? ''}" of environment "${set.environment}" (${owner}); the product does not adopt it`,
        { resource: key, field: 'spec.namespace' },
      );
    }
  });
}

async function prune(
  client: KubeObjectClient,
  desired: ReadonlyMap<string, KubeObject>,
  owned: ReadonlyMap<string, LiveObject>,
  report: ApplyReport,
  limit: number,
): Promise<void> {
  const unwanted = [...owned.entries()].filter(([key]) => !desired.has(key)).map(([, o]) => o);
  const doomedNamespaces = new Set(
    unwanted.filter((o) => o.kind === 'Namespace' && !isAdopted(o)).map((o) => o.metadata.name),
  );
  for (const group of deleteGroups(unwanted)) {
    await forEachLimited(group, limit, async (obj) => {
      const key = objectKey(obj);
      if (obj.metadata.deletionTimestamp) {
        report.terminating.push(key);
      } else if (isAdopted(obj)) {
        // An empty configuration: server-side apply removes every field only this manager owned.
        const { name, namespace } = obj.metadata;
        await client.apply({
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
        });
        report.released.push(key);
      } else if (
        obj.metadata.namespace !== undefined &&
        doomedNamespaces.has(obj.metadata.namespace)
      ) {
        // Deleting the namespace removes it; one request instead of one per object.
        report.cascaded.push(key);
      } else {
        await client.remove(referenceOf(obj));
        report.deleted.push(key);
      }
    });
  }
}

/**
 * Deletes everything the set owns (teardown): {@link applyObjectSet} with nothing desired.
 * Idempotent; `terminating` in the report lists what the API server is still deleting.
 */
export function removeObjectSet(
  options: Omit<ApplyObjectSetOptions, 'objects' | 'prune'>,
): Promise<ApplyReport> {
  return applyObjectSet({ ...options, objects: [], prune: true });
}
