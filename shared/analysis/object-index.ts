import type { KubeObject } from '../plan/kube-object.js';
import { exportList, exportListAdmits } from './istio-match.js';
import { specOf, stringOf, stringsOf } from './object-access.js';

/** The kinds whose objects are looked up by the host they declare. */
export type HostedKind = 'ServiceEntry' | 'VirtualService' | 'DestinationRule';

const HOSTED_KINDS: readonly HostedKind[] = ['ServiceEntry', 'VirtualService', 'DestinationRule'];

/** The namespace an object lives in, `default` when its metadata names none. */
export function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? 'default';
}

/** The host patterns an object declares: `spec.hosts`, or a DestinationRule's one `spec.host`. */
function declaredHosts(kind: HostedKind, obj: KubeObject): string[] {
  return kind === 'DestinationRule'
    ? [stringOf(specOf(obj).host) ?? '']
    : stringsOf(specOf(obj).hosts);
}

/** A wildcard as istio-match's `hostMatches` reads one: `*`, or `*.` and a suffix. */
function isWildcard(host: string): boolean {
  return host === '*' || host.startsWith('*.');
}

/** Where one kind's objects sit by host: positions, in object order. */
interface HostTable {
  exact: Map<string, number[]>;
  wildcard: number[];
  all: number[];
}

function push<K>(map: Map<K, number[]>, key: K, position: number): void {
  const list = map.get(key);
  if (list) list.push(position);
  else map.set(key, [position]);
}

/**
 * The analyzed objects indexed once per analysis, so that a request looks at the few objects
 * that can concern it instead of filtering them all at every hop. Every lookup answers in the
 * order of the object set: where several objects could decide, the analyzer takes the first
 * listed, and its traces name that one.
 */
export class ObjectIndex {
  private readonly byKind = new Map<string, number[]>();
  private readonly byNamespace = new Map<string, number[]>();
  private readonly byName = new Map<string, number>();
  private readonly byHost = new Map<HostedKind, HostTable>();
  /** `spec.exportTo` of the objects asked about, read once each: a shared host's lists every tenant. */
  private readonly exportLists = new Map<KubeObject, ReadonlySet<string>>();

  constructor(readonly objects: readonly KubeObject[]) {
    for (const kind of HOSTED_KINDS)
      this.byHost.set(kind, { exact: new Map(), wildcard: [], all: [] });
    objects.forEach((obj, position) => {
      const namespace = namespaceOf(obj);
      push(this.byKind, obj.kind, position);
      push(this.byNamespace, `${obj.kind}\n${namespace}`, position);
      const nameKey = `${obj.kind}\n${namespace}\n${obj.metadata.name}`;
      if (!this.byName.has(nameKey)) this.byName.set(nameKey, position);
      const hosts = this.byHost.get(obj.kind as HostedKind);
      if (!hosts) return;
      hosts.all.push(position);
      const patterns = declaredHosts(obj.kind as HostedKind, obj).map((h) => h.toLowerCase());
      if (patterns.some(isWildcard)) hosts.wildcard.push(position);
      for (const pattern of new Set(patterns.filter((p) => !isWildcard(p))))
        push(hosts.exact, pattern, position);
    });
  }

  private at(positions: readonly number[] | undefined): KubeObject[] {
    return (positions ?? []).map((p) => this.objects[p] as KubeObject);
  }

  /** The objects of `kind`. */
  ofKind(kind: string): KubeObject[] {
    return this.at(this.byKind.get(kind));
  }

  /** The objects of `kind` in `namespace`. */
  inNamespace(kind: string, namespace: string): KubeObject[] {
    return this.at(this.byNamespace.get(`${kind}\n${namespace}`));
  }

  /** The objects of `kind` in any of `namespaces`, in object order. */
  inNamespaces(kind: string, namespaces: readonly string[]): KubeObject[] {
    const positions = new Set<number>();
    for (const namespace of namespaces)
      for (const p of this.byNamespace.get(`${kind}\n${namespace}`) ?? []) positions.add(p);
    return this.at([...positions].sort((a, b) => a - b));
  }

  /** The first object of `kind` named `name` in `namespace`. */
  named(kind: string, namespace: string, name: string): KubeObject | undefined {
    const position = this.byName.get(`${kind}\n${namespace}\n${name}`);
    return position === undefined ? undefined : this.objects[position];
  }

  /**
   * The objects of any of `kinds` that declare `host` itself (`spec.hosts` or `spec.host` equal
   * to it, case aside; not through a wildcard), in object order. `host` is not a wildcard.
   */
  declaring(kinds: readonly HostedKind[], host: string): KubeObject[] {
    const wanted = host.toLowerCase();
    const positions = kinds.flatMap((kind) => this.byHost.get(kind)?.exact.get(wanted) ?? []);
    return this.at(kinds.length > 1 ? positions.sort((a, b) => a - b) : positions);
  }

  /** Whether `obj` (a ServiceEntry, VirtualService or DestinationRule) is exported to `namespace`. */
  exportedTo(obj: KubeObject, namespace: string): boolean {
    let list = this.exportLists.get(obj);
    if (!list) {
      list = exportList(specOf(obj).exportTo);
      this.exportLists.set(obj, list);
    }
    return exportListAdmits(list, namespaceOf(obj), namespace);
  }

  /**
   * The objects of `kind` that may declare `host`, either way round (a declared wildcard covering
   * it, or `host` itself a wildcard covering a declared host): a superset the caller narrows with
   * its own match rule, in object order.
   */
  mayCoverHost(kind: HostedKind, host: string): KubeObject[] {
    const table = this.byHost.get(kind);
    if (!table) return [];
    const wanted = host.toLowerCase();
    if (isWildcard(wanted)) return this.at(table.all);
    const exact = table.exact.get(wanted) ?? [];
    if (!table.wildcard.length) return this.at(exact);
    return this.at([...new Set([...exact, ...table.wildcard])].sort((a, b) => a - b));
  }
}
