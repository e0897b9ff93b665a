import { PermanentError } from '../errors.js';

/**
 * Names of the environment steps (docs/architecture.md "The steps"), in an order that already respects
 * every dependency. `shared/core/step-contract.ts` re-exports the type: the graph is the source of truth.
 */
export const ENVIRONMENT_STEPS = [
  'apis',
  'network',
  'subnet',
  'nat',
  'service-accounts',
  'firewalls',
  'private-dns',
  'fleet-mesh',
  'cluster',
  'gateway-pool',
  'mesh-ready',
  'mesh-config',
  'tenants',
] as const;

/** One environment step's name. */
export type StepName = (typeof ENVIRONMENT_STEPS)[number];

/** One node of a step graph: what it waits for, whom it calls and what it leaves behind. */
export interface StepNode<N extends string = StepName> {
  name: N;
  /** Steps that must be `done` before this one starts. */
  dependsOn: readonly N[];
  /** The API (and method family) the step calls. */
  api: string;
  /** One line: what the step creates. */
  description: string;
}

/** A step graph: nodes whose `dependsOn` name other nodes of the same graph. */
export type StepGraph<N extends string = StepName> = readonly StepNode<N>[];

/**
 * The one catalogue of steps: each environment step, what it waits for and its family. A family
 * is one deployed step function (`step-<family>`, one per API family); the functions'
 * registration, the deployment manifest and the workflows' calls all derive from (or are
 * checked against) this list.
 */
const ENVIRONMENT_NODES = [
  {
    name: 'apis',
    family: 'network',
    dependsOn: [],
    api: 'serviceusage v1 services:batchEnable',
    description: 'Enables the Google APIs the environment uses',
  },
  {
    name: 'network',
    family: 'network',
    dependsOn: ['apis'],
    api: 'compute v1 networks',
    description: 'The custom-mode VPC network',
  },
  {
    name: 'subnet',
    family: 'network',
    dependsOn: ['network'],
    api: 'compute v1 subnetworks',
    description: 'The node subnet with pod and service secondary ranges and Private Google Access',
  },
  {
    name: 'nat',
    family: 'nat',
    dependsOn: ['network'],
    api: 'compute v1 routers (nats)',
    description: 'A Cloud Router with a Cloud NAT for every subnet range',
  },
  {
    name: 'service-accounts',
    family: 'iam',
    dependsOn: ['apis'],
    api: 'iam v1 serviceAccounts; cloudresourcemanager v1 getIamPolicy/setIamPolicy',
    description: 'The application and gateway node service accounts and their project roles',
  },
  {
    name: 'firewalls',
    family: 'firewalls',
    dependsOn: ['network', 'service-accounts'],
    api: 'compute v1 firewalls',
    description: 'Deny-all egress and the tutorial allow rules',
  },
  {
    name: 'private-dns',
    family: 'dns',
    dependsOn: ['network'],
    api: 'dns v1 managedZones, changes',
    description: 'Private zones that send Google API names to the private access addresses',
  },
  {
    name: 'fleet-mesh',
    family: 'mesh',
    dependsOn: ['apis'],
    api: 'gkehub v1 features (servicemesh)',
    description: 'The fleet default: managed service mesh for every member cluster',
  },
  {
    name: 'cluster',
    family: 'cluster',
    dependsOn: ['subnet', 'firewalls', 'private-dns', 'service-accounts', 'fleet-mesh'],
    api: 'container v1 clusters',
    description: 'The private GKE cluster, registered to the fleet at creation',
  },
  {
    name: 'gateway-pool',
    family: 'cluster',
    dependsOn: ['cluster'],
    api: 'container v1 nodePools',
    description: 'The tainted node pool the egress gateway runs on',
  },
  {
    name: 'mesh-ready',
    family: 'mesh',
    dependsOn: ['cluster'],
    api: 'gkehub v1 features.get',
    description: 'Nothing: waits until the managed control plane is ACTIVE and REVISION_READY',
  },
  {
    name: 'mesh-config',
    family: 'mesh-config',
    dependsOn: ['gateway-pool', 'mesh-ready'],
    api: 'Kubernetes API',
    description: 'Mesh namespaces, the egress gateway and its mesh-wide policies',
  },
  {
    name: 'tenants',
    family: 'tenants',
    // Tenants' egress leaves through Cloud NAT: granting it before the NAT exists would promise
    // reachability that is not there, and in teardown the NAT must outlive the tenants.
    dependsOn: ['mesh-config', 'nat'],
    api: 'Kubernetes API; iam v1 (Workload Identity); pubsub v1 (tenant topic)',
    description:
      'Every tenant: namespace, routing, authorization, NetworkPolicies, identities; the tenant topic',
  },
] as const satisfies readonly (StepNode & { family: string })[];

/** Name of a step family, and of its deployed function prefixed `step-`. */
export type StepFamily = (typeof ENVIRONMENT_NODES)[number]['family'];

/** A node of the environment graph: a step and the family whose function serves it. */
export interface EnvironmentStepNode extends StepNode {
  family: StepFamily;
}

/** The environment's step graph (see {@link ENVIRONMENT_NODES}). */
export const ENVIRONMENT_GRAPH: readonly EnvironmentStepNode[] = ENVIRONMENT_NODES;

/** The step families, in the order of their first step in the graph. */
export const STEP_FAMILY_NAMES: readonly StepFamily[] = [
  ...new Set(ENVIRONMENT_GRAPH.map((node) => node.family)),
];

/** Each family's steps, in graph order: the steps its function accepts. */
export const STEP_FAMILIES: Readonly<Record<StepFamily, readonly StepName[]>> = (() => {
  const steps: Partial<Record<StepFamily, StepName[]>> = {};
  for (const node of ENVIRONMENT_GRAPH) (steps[node.family] ??= []).push(node.name);
  return steps as Record<StepFamily, StepName[]>;
})();

/** The family whose function serves a step. */
export function familyOf(step: StepName): StepFamily {
  const node = ENVIRONMENT_GRAPH.find((candidate) => candidate.name === step);
  if (!node) throw new PermanentError('invalid-graph', `"${step}" is not an environment step`);
  return node.family;
}

/**
 * Typical duration of each step in seconds, from public logs quoted in docs/architecture.md "Performance"
 * (steps the document gives no figure for carry a modest guess, marked below). A model for
 * `criticalPath` and the plan's estimate, not a promise.
 */
export const TYPICAL_STEP_SECONDS: Readonly<Record<StepName, number>> = {
  apis: 30, // guess: batchEnable of already-known services
  network: 22,
  subnet: 12,
  nat: 29, // router 12 s + NAT 11-23 s
  'service-accounts': 15, // usable after >= 10 s, then one IAM write
  firewalls: 22,
  'private-dns': 10, // guess
  'fleet-mesh': 3,
  cluster: 360,
  'gateway-pool': 70,
  'mesh-ready': 360,
  'mesh-config': 30, // guess
  tenants: 30, // guess
};

/** Checks a graph: unique names, known dependencies, no self-dependency, no cycle. */
export function validateGraph<N extends string>(graph: StepGraph<N>): void {
  const names = new Set<N>();
  for (const node of graph) {
    if (names.has(node.name)) {
      throw new PermanentError('invalid-graph', `step "${node.name}" is declared twice`);
    }
    names.add(node.name);
  }
  for (const node of graph) {
    for (const dep of node.dependsOn) {
      if (!names.has(dep)) {
        throw new PermanentError(
          'invalid-graph',
          `step "${node.name}" depends on "${dep}", which is not a step of the graph`,
        );
      }
    }
  }
  const cycle = findCycle(graph);
  if (cycle) {
    throw new PermanentError(
      'graph-cycle',
      `steps depend on each other in a cycle: ${cycle.join(' -> ')}`,
    );
  }
}

/** Returns one dependency cycle as a closed path (first name repeated last), or undefined. */
export function findCycle<N extends string>(graph: StepGraph<N>): N[] | undefined {
  const byName = new Map(graph.map((node) => [node.name, node]));
  const state = new Map<N, 'visiting' | 'done'>();
  const stack: N[] = [];

  const visit = (name: N): N[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };

  for (const node of graph) {
    const cycle = visit(node.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Groups the steps into layers: every step of a layer depends only on steps of earlier layers,
 * so the steps of one layer may run concurrently. Within a layer, steps keep the graph's order.
 */
export function topologicalLayers<N extends string>(graph: StepGraph<N>): N[][] {
  validateGraph(graph);
  const layerOf = new Map<N, number>();
  const byName = new Map(graph.map((node) => [node.name, node]));
  const depth = (name: N): number => {
    const known = layerOf.get(name);
    if (known !== undefined) return known;
    const deps = byName.get(name)?.dependsOn ?? [];
    const layer = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    layerOf.set(name, layer);
    return layer;
  };
  const layers: N[][] = [];
  for (const node of graph) {
    const layer = depth(node.name);
    (layers[layer] ??= []).push(node.name);
  }
  return layers;
}

/**
 * The teardown graph: every edge inverted, so a step is removed only after everything that was
 * built on it. `api` and `description` are kept; the caller knows it is deleting.
 */
export function reverseGraph<N extends string>(graph: StepGraph<N>): StepGraph<N> {
  validateGraph(graph);
  return graph.map((node) => ({
    ...node,
    dependsOn: graph.filter((other) => other.dependsOn.includes(node.name)).map((o) => o.name),
  }));
}

/**
 * Every step a step transitively depends on, in graph order: the steps whose outputs it
 * receives. A name the graph does not hold has no upstream.
 */
export function upstreamOf<N extends string>(graph: StepGraph<N>, step: N): N[] {
  const byName = new Map(graph.map((node) => [node.name, node]));
  const found = new Set<N>();
  const visit = (name: N): void => {
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!found.has(dep)) {
        found.add(dep);
        visit(dep);
      }
    }
  };
  visit(step);
  return graph.filter((node) => found.has(node.name)).map((node) => node.name);
}

/** The longest chain of dependent steps by duration: the physical lower bound of a run. */
export interface CriticalPath<N extends string = StepName> {
  steps: N[];
  /** Sum of the durations along `steps`, in the unit of the durations given. */
  duration: number;
}

/**
 * The critical path of a graph given each step's duration (missing durations count as 0): the
 * chain that decides the wall time of a run with unlimited parallelism. Ties keep graph order.
 */
export function criticalPath<N extends string>(
  graph: StepGraph<N>,
  durations: Readonly<Partial<Record<N, number>>>,
): CriticalPath<N> {
  const order = topologicalLayers(graph).flat();
  const byName = new Map(graph.map((node) => [node.name, node]));
  const finish = new Map<N, { at: number; via?: N }>();
  for (const name of order) {
    let start = 0;
    let via: N | undefined;
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const depFinish = finish.get(dep)?.at ?? 0;
      if (via === undefined || depFinish > start) {
        start = depFinish;
        via = dep;
      }
    }
    const own = durations[name] ?? 0;
    if (own < 0 || !Number.isFinite(own)) {
      throw new PermanentError(
        'invalid-argument',
        `duration of step "${name}" must be a finite number >= 0`,
      );
    }
    finish.set(name, via === undefined ? { at: start + own } : { at: start + own, via });
  }
  let last: N | undefined;
  let longest = -1;
  for (const name of order) {
    const at = finish.get(name)?.at ?? 0;
    if (at > longest) {
      longest = at;
      last = name;
    }
  }
  const steps: N[] = [];
  for (let cursor = last; cursor !== undefined; cursor = finish.get(cursor)?.via) {
    steps.unshift(cursor);
  }
  return { steps, duration: Math.max(longest, 0) };
}
