import type { KubeObject } from '../plan/kube-object.js';
import { istioValueMatches } from './istio-match.js';
import { mapSelectorMatches } from './label-selector.js';
import {
  type Fields,
  fieldsOf,
  labelsOf,
  listOf,
  specOf,
  stringOf,
  stringsOf,
} from './object-access.js';
import type { Hop } from './trace.js';

/** The attributes of a request as the workload enforcing AuthorizationPolicy sees them. */
export interface AuthorizationRequest {
  /** HTTP (paths, methods, hosts, request.* known) or opaque TCP/TLS. */
  http: boolean;
  /** The peer's namespace from its mTLS certificate; `undefined` without Istio mTLS. */
  sourceNamespace?: string;
  /** The peer's SPIFFE principal (`cluster.local/ns/N/sa/S`); `undefined` without Istio mTLS. */
  sourcePrincipal?: string;
  /** HTTP Host/authority. */
  host?: string;
  method?: string;
  path?: string;
  /** The port the workload receives on (the Service's targetPort, not the Service port). */
  port: number;
  /** The TLS SNI the workload sees (passthrough: the client's SNI). */
  sni?: string;
}

/** The outcome of AuthorizationPolicy evaluation. */
export interface AuthorizationDecision {
  allowed: boolean;
  /** The hop naming the deciding policy and rule. */
  hop: Hop;
  /** Extra notes (ignored conditions, unevaluable CUSTOM providers). */
  notes: Hop[];
}

const HTTP_ONLY_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];

/**
 * The AuthorizationPolicies that apply to a workload: those in the root namespace (mesh-wide)
 * and in the workload's namespace, narrowed by `selector.matchLabels`. Policies with
 * `targetRefs` apply to Gateway API resources, not to an injected gateway: skipped.
 */
export function applicableAuthorizationPolicies(
  objects: readonly KubeObject[],
  workloadNamespace: string,
  workloadLabels: Readonly<Record<string, string>>,
  rootNamespace: string,
): KubeObject[] {
  return objects.filter((obj) => {
    if (obj.kind !== 'AuthorizationPolicy') return false;
    const ns = obj.metadata.namespace ?? 'default';
    if (ns !== rootNamespace && ns !== workloadNamespace) return false;
    const spec = specOf(obj);
    if (spec.targetRefs !== undefined || spec.targetRef !== undefined) return false;
    if (spec.selector === undefined) return true;
    return mapSelectorMatches(labelsOf(fieldsOf(spec.selector).matchLabels), workloadLabels);
  });
}

type Action = 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT';

/**
 * Matches one field: `positive` values must match when present, `negative` values must not.
 * `value === undefined` is an attribute the connection does not carry.
 */
function fieldMatches(
  positive: string[] | undefined,
  negative: string[] | undefined,
  value: string | undefined,
  caseInsensitive = false,
): boolean {
  if (positive && positive.length) {
    if (value === undefined || !positive.some((p) => istioValueMatches(p, value, caseInsensitive)))
      return false;
  }
  if (negative && negative.length && value !== undefined) {
    if (negative.some((p) => istioValueMatches(p, value, caseInsensitive))) return false;
  }
  return true;
}

function listField(fields: Fields, name: string): string[] | undefined {
  return fields[name] === undefined ? undefined : stringsOf(fields[name]);
}

function sourceMatches(source: Fields, request: AuthorizationRequest): boolean {
  return (
    fieldMatches(
      listField(source, 'namespaces'),
      listField(source, 'notNamespaces'),
      request.sourceNamespace,
    ) &&
    fieldMatches(
      listField(source, 'principals'),
      listField(source, 'notPrincipals'),
      request.sourcePrincipal,
    )
  );
}

function operationMatches(
  operation: Fields,
  request: AuthorizationRequest,
  action: Action,
): boolean {
  const usesHttp = HTTP_ONLY_OPERATION_FIELDS.some((f) => operation[f] !== undefined);
  // HTTP attributes on TCP: a DENY rule matches (deny all on that port), an ALLOW rule cannot.
  if (usesHttp && !request.http) {
    if (action !== 'DENY') return false;
  } else if (usesHttp) {
    if (
      !fieldMatches(
        listField(operation, 'hosts'),
        listField(operation, 'notHosts'),
        request.host,
        true,
      )
    )
      return false;
    if (
      !fieldMatches(
        listField(operation, 'methods'),
        listField(operation, 'notMethods'),
        request.method,
      )
    )
      return false;
    if (
      !fieldMatches(listField(operation, 'paths'), listField(operation, 'notPaths'), request.path)
    )
      return false;
  }
  return fieldMatches(
    listField(operation, 'ports'),
    listField(operation, 'notPorts'),
    String(request.port),
  );
}

interface ConditionOutcome {
  matches: boolean;
  note?: string;
}

function conditionMatches(
  condition: Fields,
  request: AuthorizationRequest,
  action: Action,
): ConditionOutcome {
  const key = stringOf(condition.key) ?? '';
  const values = listField(condition, 'values');
  const notValues = listField(condition, 'notValues');
  let value: string | undefined;
  if (key === 'destination.port') value = String(request.port);
  else if (key === 'connection.sni') value = request.sni;
  else if (key === 'source.namespace') value = request.sourceNamespace;
  else if (key === 'source.principal') value = request.sourcePrincipal;
  else if (key.startsWith('request.')) {
    if (!request.http) return { matches: action === 'DENY' };
    return {
      matches: false,
      note: `condition ${key} is not evaluated (request headers unknown); treated as not matching`,
    };
  } else {
    return {
      matches: true,
      note: `condition ${key} is not supported by the analyzer; ignored like Istio ignores unknown keys`,
    };
  }
  return { matches: fieldMatches(values, notValues, value, key === 'connection.sni') };
}

function ruleMatches(
  rule: Fields,
  request: AuthorizationRequest,
  action: Action,
  notes: string[],
): boolean {
  const from = listOf(rule.from);
  if (rule.from !== undefined && !from.some((f) => sourceMatches(fieldsOf(f.source), request)))
    return false;
  const to = listOf(rule.to);
  if (
    rule.to !== undefined &&
    !to.some((t) => operationMatches(fieldsOf(t.operation), request, action))
  )
    return false;
  for (const condition of listOf(rule.when)) {
    const outcome = conditionMatches(condition, request, action);
    if (outcome.note) notes.push(outcome.note);
    if (!outcome.matches) return false;
  }
  return true;
}

/** Index of the first rule of `policy` that matches, or -1. */
function matchingRule(
  policy: KubeObject,
  request: AuthorizationRequest,
  action: Action,
  notes: string[],
): number {
  const rules = listOf(specOf(policy).rules);
  // A policy without rules matches nothing (for ALLOW: allow-nothing).
  return rules.findIndex((rule) => ruleMatches(rule, request, action, notes));
}

function actionOf(policy: KubeObject): Action {
  const action = stringOf(specOf(policy).action) ?? 'ALLOW';
  return (['ALLOW', 'DENY', 'CUSTOM', 'AUDIT'] as const).find((a) => a === action) ?? 'ALLOW';
}

function refOfPolicy(policy: KubeObject): Hop['object'] {
  return {
    kind: 'AuthorizationPolicy',
    namespace: policy.metadata.namespace,
    name: policy.metadata.name,
  };
}

/**
 * The policies of each action that may decide a request, in the order given, and what a denial
 * names: every ALLOW policy of the workload, whether or not it may match.
 */
interface Candidates {
  CUSTOM: readonly KubeObject[];
  DENY: readonly KubeObject[];
  ALLOW: readonly KubeObject[];
  allowCount: number;
  /** The ALLOW policies' names, comma-separated. */
  allowNames: string;
}

/**
 * Istio's AuthorizationPolicy decision for one request (security_v1beta1 authorization_policy
 * proto): a matching CUSTOM denies (its external authorizer cannot be evaluated offline, so the
 * analyzer assumes the worst), then any matching DENY denies, then no ALLOW policy allows, then a
 * matching ALLOW allows, otherwise deny.
 */
export function decideAuthorization(
  policies: readonly KubeObject[],
  request: AuthorizationRequest,
): AuthorizationDecision {
  const of = (action: Action) => policies.filter((p) => actionOf(p) === action);
  const allow = of('ALLOW');
  return decideAmong(
    {
      CUSTOM: of('CUSTOM'),
      DENY: of('DENY'),
      ALLOW: allow,
      allowCount: allow.length,
      allowNames: allow.map((p) => p.metadata.name).join(', '),
    },
    request,
  );
}

/** {@link decideAuthorization}, holding the request to `candidates` only. */
function decideAmong(candidates: Candidates, request: AuthorizationRequest): AuthorizationDecision {
  const notes: string[] = [];
  const toNotes = (): Hop[] =>
    [...new Set(notes)].map((rule) => ({ stage: 'authorization-policy', decision: 'info', rule }));
  for (const action of ['CUSTOM', 'DENY'] as const) {
    for (const policy of candidates[action]) {
      const index = matchingRule(policy, request, action, notes);
      if (index >= 0) {
        const rule =
          action === 'CUSTOM'
            ? `CUSTOM rules[${index}] matches; the external authorizer is assumed to deny`
            : `DENY rules[${index}] matches`;
        return {
          allowed: false,
          hop: {
            stage: 'authorization-policy',
            decision: 'deny',
            object: refOfPolicy(policy),
            rule,
          },
          notes: toNotes(),
        };
      }
    }
  }
  if (!candidates.allowCount) {
    return {
      allowed: true,
      hop: {
        stage: 'authorization-policy',
        decision: 'pass',
        rule: 'no ALLOW policy applies to the workload: allow',
      },
      notes: toNotes(),
    };
  }
  for (const policy of candidates.ALLOW) {
    const index = matchingRule(policy, request, 'ALLOW', notes);
    if (index >= 0) {
      return {
        allowed: true,
        hop: {
          stage: 'authorization-policy',
          decision: 'pass',
          object: refOfPolicy(policy),
          rule: `ALLOW rules[${index}] matches`,
        },
        notes: toNotes(),
      };
    }
  }
  return {
    allowed: false,
    hop: {
      stage: 'authorization-policy',
      decision: 'deny',
      rule: `no rule of the ${candidates.allowCount} ALLOW policies matches: RBAC: access denied (${candidates.allowNames})`,
    },
    notes: toNotes(),
  };
}

/**
 * The source namespaces a policy can match at all: a rule whose every source lists exact
 * `namespaces` matches only a peer of one of them (and none without mTLS), so a policy made of
 * such rules needs no look from any other tenant. `any` when a rule has no sources or a source
 * is not held to exact namespaces; an empty set when no rule can match.
 */
function admittedNamespaces(policy: KubeObject): ReadonlySet<string> | 'any' {
  const namespaces = new Set<string>();
  for (const rule of listOf(specOf(policy).rules)) {
    if (rule.from === undefined) return 'any';
    for (const from of listOf(rule.from)) {
      const positive = listField(fieldsOf(from.source), 'namespaces');
      if (!positive?.length || positive.some((p) => p.startsWith('*') || p.endsWith('*')))
        return 'any';
      for (const namespace of positive) namespaces.add(namespace);
    }
  }
  return namespaces;
}

/** One action's policies by the source namespaces they admit, as positions in their order. */
class SourceIndex {
  readonly policies: KubeObject[] = [];
  private readonly any: number[] = [];
  private readonly byNamespace = new Map<string, number[]>();

  add(policy: KubeObject): void {
    const position = this.policies.push(policy) - 1;
    const admitted = admittedNamespaces(policy);
    if (admitted === 'any') {
      this.any.push(position);
      return;
    }
    for (const namespace of admitted) {
      const list = this.byNamespace.get(namespace);
      if (list) list.push(position);
      else this.byNamespace.set(namespace, [position]);
    }
  }

  /** The policies that may match a peer of `namespace` (none known: only `any` ones), in order. */
  candidates(namespace: string | undefined): KubeObject[] {
    const own = namespace === undefined ? [] : (this.byNamespace.get(namespace) ?? []);
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < this.any.length || j < own.length) {
      const a = this.any[i] ?? Infinity;
      const b = own[j] ?? Infinity;
      if (a <= b) i += 1;
      if (b <= a) j += 1;
      merged.push(Math.min(a, b));
    }
    return merged.map((p) => this.policies[p] as KubeObject);
  }
}

/**
 * The AuthorizationPolicies of one workload (as {@link applicableAuthorizationPolicies} lists
 * them), indexed once by the source namespaces their rules admit: with a policy per tenant and
 * host, a request is held to its own tenant's few policies and the ones any tenant may match,
 * not to every tenant's. Decides exactly as {@link decideAuthorization} over the whole list: the
 * policies it skips cannot match, so they neither decide nor leave notes.
 */
export class WorkloadAuthorization {
  private readonly actions = {
    CUSTOM: new SourceIndex(),
    DENY: new SourceIndex(),
    ALLOW: new SourceIndex(),
  };
  private readonly allowNames: string;
  private readonly bySource = new Map<string | undefined, Candidates>();

  constructor(policies: readonly KubeObject[]) {
    for (const policy of policies) {
      const action = actionOf(policy);
      if (action !== 'AUDIT') this.actions[action].add(policy);
    }
    this.allowNames = this.actions.ALLOW.policies.map((p) => p.metadata.name).join(', ');
  }

  /** The decision for `request`, as {@link decideAuthorization} makes it. */
  decide(request: AuthorizationRequest): AuthorizationDecision {
    return decideAmong(this.candidates(request.sourceNamespace), request);
  }

  private candidates(namespace: string | undefined): Candidates {
    let found = this.bySource.get(namespace);
    if (!found) {
      found = {
        CUSTOM: this.actions.CUSTOM.candidates(namespace),
        DENY: this.actions.DENY.candidates(namespace),
        ALLOW: this.actions.ALLOW.candidates(namespace),
        allowCount: this.actions.ALLOW.policies.length,
        allowNames: this.allowNames,
      };
      this.bySource.set(namespace, found);
    }
    return found;
  }
}
