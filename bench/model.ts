/**
 * The benchmark's arithmetic, apart from any I/O so it can be tested on synthetic timelines:
 * which latency-model operation each simulator operation was, what each step costs in that
 * model, the serial sum (the tutorial typed by hand), the critical path (the physical limit) and
 * the ratios the report prints.
 */
import { realDurationsSeconds, type OperationKind } from '../local/gcp/latency.js';
import { criticalPath, ENVIRONMENT_GRAPH, type StepGraph } from '#shared/plan/graph.js';
import type { StepName } from '#shared/core/step-contract.js';
import type { ProgressEvent } from '#shared/steps/runner.js';

/** The fields of a simulator operation the model needs (a subset of `StoredOperation`). */
export interface ObservedOperation {
  api: string;
  operationType: string;
  /** Relative path of the operation's target, e.g. `projects/p/global/networks/n`. */
  targetPath: string;
}

/** One operation placed in the model: the step that started it and its latency kind. */
export interface ModelOperation {
  step: StepName;
  kind: OperationKind;
  target: string;
  seconds: number;
}

/**
 * Which latency kind (and step) a simulator operation was. The simulator stores the API, the
 * verb and the target but not the latency kind, so the kind is read back from those.
 * Returns undefined for an operation the environment steps never start.
 */
export function classifyOperation(op: ObservedOperation): ModelOperation | undefined {
  const place = (step: StepName, kind: OperationKind): ModelOperation => ({
    step,
    kind,
    target: op.targetPath,
    seconds: realDurationsSeconds[kind],
  });
  const verb = op.operationType.toLowerCase();
  if (op.api === 'serviceusage') return place('apis', 'service-enable');
  if (op.api === 'compute') {
    if (verb === 'delete') return undefined;
    if (op.targetPath.includes('/subnetworks/')) return place('subnet', 'subnetwork');
    if (op.targetPath.includes('/networks/')) return place('network', 'network');
    // A router is created with its NAT (one router operation); a later patch is the NAT's.
    if (op.targetPath.includes('/routers/'))
      return place('nat', verb === 'patch' ? 'nat' : 'router');
    if (op.targetPath.includes('/firewalls/')) return place('firewalls', 'firewall');
    return undefined;
  }
  if (op.api === 'container') {
    if (verb === 'create_cluster') return place('cluster', 'cluster');
    if (verb === 'create_node_pool') return place('gateway-pool', 'node-pool');
    return undefined;
  }
  if (op.api === 'gkehub') {
    if (verb === 'delete') return undefined;
    if (op.targetPath.includes('/memberships/')) return place('cluster', 'membership');
    if (op.targetPath.includes('/features/')) return place('fleet-mesh', 'feature');
  }
  // A record change is pending for the model's dns-change time and private-dns waits for it.
  if (op.api === 'dns' && verb === 'change' && op.targetPath.includes('/managedZones/'))
    return place('private-dns', 'dns-change');
  return undefined;
}

/** Where the simulator keeps dns changes (not operations: Cloud DNS has none). */
const DNS_CHANGES = 'dns.changes';

/**
 * The dns changes the simulator recorded, as operations for {@link provisioningModel}: each
 * targets its zone, so changes to distinct zones overlap and changes to one zone chain.
 * A change that only deletes records is teardown's (`operationType: 'delete'`, not placed).
 * `resources` is the simulator state's `resources` (collection → key → resource).
 */
export function dnsChangeOperations(
  resources: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): ObservedOperation[] {
  return Object.entries(resources[DNS_CHANGES] ?? {}).map(([key, change]) => {
    const additions = (change as { additions?: unknown[] } | undefined)?.additions ?? [];
    return {
      api: 'dns',
      operationType: additions.length > 0 ? 'change' : 'delete',
      targetPath: key.replace(/\/changes\/[^/]+$/, ''),
    };
  });
}

/**
 * Waits in the latency model that are not operations: a new service account becomes usable in
 * IAM policies only after its consistency delay, and the managed control plane turns ACTIVE a
 * fixed time after the cluster's fleet membership appears (at the end of the cluster's creation).
 */
export const IMPLICIT_WAITS: Readonly<Partial<Record<StepName, OperationKind>>> = {
  'service-accounts': 'service-account-consistency',
  'mesh-ready': 'mesh-active',
};

/** The latency model applied to one run: per-step durations, serial sum, critical path. */
export interface ProvisioningModel {
  operations: ModelOperation[];
  /** Model seconds of each step: its operations on one target chain, distinct targets overlap. */
  stepSeconds: Partial<Record<StepName, number>>;
  /** Every operation and wait one after the other: the tutorial done by hand, in model seconds. */
  serialSeconds: number;
  /** The longest dependent chain of steps with `stepSeconds`: the physical limit. */
  critical: { steps: StepName[]; seconds: number };
  /** Operations the model does not know (counted nowhere; listed so a gap is visible). */
  unclassified: ObservedOperation[];
}

/**
 * Applies the latency model to the operations a run started. Within a step, operations on the
 * same target run one after the other (a router, then its NAT patch) while distinct targets
 * overlap (the nine firewall rules are inserted together): that is what the steps do and what
 * Google allows, so it is the step's physical limit.
 */
export function provisioningModel(
  observed: readonly ObservedOperation[],
  graph: StepGraph = ENVIRONMENT_GRAPH,
): ProvisioningModel {
  const operations: ModelOperation[] = [];
  const unclassified: ObservedOperation[] = [];
  for (const op of observed) {
    const placed = classifyOperation(op);
    if (placed) operations.push(placed);
    else unclassified.push(op);
  }
  const byStepTarget = new Map<StepName, Map<string, number>>();
  for (const op of operations) {
    const targets = byStepTarget.get(op.step) ?? new Map<string, number>();
    targets.set(op.target, (targets.get(op.target) ?? 0) + op.seconds);
    byStepTarget.set(op.step, targets);
  }
  const stepSeconds: Partial<Record<StepName, number>> = {};
  let serialSeconds = operations.reduce((sum, op) => sum + op.seconds, 0);
  for (const node of graph) {
    const targets = byStepTarget.get(node.name);
    const ownOperations = targets ? Math.max(...targets.values()) : 0;
    const wait = IMPLICIT_WAITS[node.name];
    const waitSeconds = wait ? realDurationsSeconds[wait] : 0;
    serialSeconds += waitSeconds;
    stepSeconds[node.name] = ownOperations + waitSeconds;
  }
  const path = criticalPath(graph, stepSeconds);
  return {
    operations,
    stepSeconds,
    serialSeconds,
    critical: { steps: path.steps, seconds: path.duration },
    unclassified,
  };
}

/** What the runner's progress events say about one step, in the runner clock's seconds. */
export interface StepTiming {
  step: StepName;
  /** Seconds from the run's start to the step's first call. */
  startedAt: number;
  /** Seconds from the run's start to `done`/`failed`; undefined while unfinished. */
  finishedAt?: number;
  /** Calls of the step (first call, re-calls after `pending`, retries). */
  calls: number;
  /** `pending` answers: how often the runner slept on a running operation. */
  pendings: number;
  /** Failed calls retried with backoff. */
  retries: number;
  outcome: 'done' | 'failed' | 'skipped' | 'running';
}

/** Folds a run's progress events into per-step timings relative to `runStartMs`. */
export function stepTimings(
  events: readonly ProgressEvent[],
  runStartMs: number,
): Map<StepName, StepTiming> {
  const timings = new Map<StepName, StepTiming>();
  const seconds = (at: number) => (at - runStartMs) / 1000;
  for (const event of events) {
    let timing = timings.get(event.step);
    if (!timing) {
      timing = {
        step: event.step,
        startedAt: seconds(event.at),
        calls: 0,
        pendings: 0,
        retries: 0,
        outcome: 'running',
      };
      timings.set(event.step, timing);
    }
    switch (event.type) {
      case 'started':
        timing.calls += 1;
        break;
      case 'pending':
        timing.pendings += 1;
        break;
      case 'retrying':
        timing.retries += 1;
        break;
      case 'done':
      case 'failed':
        timing.finishedAt = seconds(event.at);
        timing.outcome = event.type;
        break;
      case 'skipped':
        timing.finishedAt = seconds(event.at);
        timing.outcome = 'skipped';
        break;
    }
  }
  return timings;
}

/** The report's headline ratios. */
export interface Ratios {
  /** Wall over critical path: 1.0 is the physical limit, higher is time lost to the service. */
  wallOverCritical: number;
  /** Serial sum over wall: how much faster than doing the tutorial by hand, one call at a time. */
  serialOverWall: number;
}

/** Wall time against the model; all three in the same unit (model seconds). */
export function ratios(
  wallSeconds: number,
  serialSeconds: number,
  criticalSeconds: number,
): Ratios {
  for (const [name, value] of [
    ['wall', wallSeconds],
    ['serial sum', serialSeconds],
    ['critical path', criticalSeconds],
  ] as const) {
    if (!(value > 0) || !Number.isFinite(value))
      throw new RangeError(`${name} must be a finite number > 0 seconds, got ${value}`);
  }
  return {
    wallOverCritical: wallSeconds / criticalSeconds,
    serialOverWall: serialSeconds / wallSeconds,
  };
}

/** Real milliseconds of a run turned back into model seconds; undefined at time scale 0. */
export function modelSecondsFromReal(realMs: number, timeScale: number): number | undefined {
  return timeScale > 0 ? realMs / 1000 / timeScale : undefined;
}

/** The median (mean of the middle two for an even count); undefined for no values. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

/**
 * Reads of long-running operations (`operations.get`, compute's `globalOperations.get`,
 * `regionOperations.wait`...) among the simulator's per-method counters: the polling cost.
 */
export function countOperationPolls(
  byMethod: Readonly<Record<string, { reads: number; writes: number }>>,
): number {
  return Object.entries(byMethod)
    .filter(([method]) => /(^|\.)(o|globalO|regionO|zoneO)perations\.(get|wait)$/.test(method))
    .reduce((sum, [, count]) => sum + count.reads, 0);
}
