import type { ManagedKind } from '../core/kube-apis.js';
import { LISTED_KINDS, type KubeObject } from '../plan/kube-object.js';
import { KIND_ORDER } from '../plan/mesh/index.js';

/** The field manager of every server-side apply the product sends (one name: one owner). */
export const FIELD_MANAGER = 'egress-provisioner';

/**
 * Label naming the apply set an object belongs to (`mesh`, `tenants`). The compiler's ownership
 * labels say "this environment owns it", which both steps' objects share; pruning must also know
 * which step owns it, or the mesh-config step would prune every tenant's objects. Same idea as
 * kubectl's ApplySet (`applyset.kubernetes.io/part-of`), without its parent object.
 */
export const APPLY_SET_LABEL = 'egress.provisioner.dev/apply-set';

export type { ManagedKind };

/**
 * Every kind the compiler emits (shared/plan/mesh KIND_ORDER), with the API version the applier
 * lists it through. A kind missing here would never be pruned: a test checks the two agree.
 */
export const MANAGED_KINDS: readonly ManagedKind[] = LISTED_KINDS;

/**
 * Namespaces that exist without the product and must outlive it: pruning one only drops the
 * product's labels, even if its adoption annotation was lost. istio-system belongs to the
 * managed control plane.
 */
export const PROTECTED_NAMESPACES: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'istio-system',
]);

/**
 * Apply rank: namespaces first (everything else lives in one), then other cluster-scoped kinds,
 * then namespaced kinds in KIND_ORDER (identities and RBAC before workloads, workloads before
 * the policy and routing that refer to them). Equal ranks may be applied concurrently.
 */
export function applyRank(obj: Pick<KubeObject, 'kind' | 'metadata'>): number {
  if (obj.kind === 'Namespace') return 0;
  if (obj.metadata.namespace === undefined) return 1;
  const index = KIND_ORDER.indexOf(obj.kind);
  return 2 + (index === -1 ? KIND_ORDER.length : index);
}

/** Objects grouped by apply rank, ascending; within a group, the input order is kept. */
export function applyGroups<T extends Pick<KubeObject, 'kind' | 'metadata'>>(
  objects: readonly T[],
): T[][] {
  const byRank = new Map<number, T[]>();
  for (const obj of objects) {
    const rank = applyRank(obj);
    const group = byRank.get(rank) ?? [];
    group.push(obj);
    byRank.set(rank, group);
  }
  return [...byRank.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/** Deletion groups: the reverse of {@link applyGroups}, so namespaces go last. */
export function deleteGroups<T extends Pick<KubeObject, 'kind' | 'metadata'>>(
  objects: readonly T[],
): T[][] {
  return applyGroups(objects).reverse();
}
