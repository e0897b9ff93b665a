import type { KubeObject } from '../plan/kube-object.js';

/** The evaluation stages of a request, in the order the analyzer walks them. */
export type Stage =
  | 'source'
  | 'network-policy'
  | 'sidecar'
  | 'virtual-service'
  | 'destination-rule'
  | 'gateway'
  | 'authorization-policy'
  | 'tls-origination'
  | 'dns'
  | 'firewall';

/** A reference to the object that decided a hop. */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** One step of a request's path: which object decided what, by which rule. */
export interface Hop {
  stage: Stage;
  /** `pass`: the request goes on; `deny`: it stops here; `info`: an assumption or a note. */
  decision: 'pass' | 'deny' | 'info';
  /** The deciding object; absent when the decision comes from a default (e.g. no policy). */
  object?: ObjectRef;
  /** The rule that decided, in words (e.g. `http[0] match gateways=[mesh] port=80`). */
  rule: string;
}

/** Formats an object reference as `Kind/namespace/name`. */
export function formatRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** Formats a hop as one line of text. */
export function formatHop(hop: Hop): string {
  const object = hop.object ? ` ${formatRef(hop.object)}` : '';
  return `[${hop.stage}] ${hop.decision.toUpperCase()}${object}: ${hop.rule}`;
}

/** The reference a hop or a finding gives to `obj`. */
export function objectRef(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}
