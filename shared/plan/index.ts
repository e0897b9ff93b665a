import type { Environment } from '../spec/environment.js';
import { stepRequests, type PlannedRequest } from './gcp/index.js';
import {
  ENVIRONMENT_GRAPH,
  TYPICAL_STEP_SECONDS,
  criticalPath,
  topologicalLayers,
  type CriticalPath,
  type StepName,
} from './graph.js';

/** One step of an environment plan. */
export interface PlannedStep {
  name: StepName;
  dependsOn: StepName[];
  api: string;
  description: string;
  /**
   * The Google Cloud requests the step makes when nothing exists yet, in the order it makes them.
   * Kubernetes-side steps (`mesh-config`, `tenants`) and the wait (`mesh-ready`) list none here:
   * their objects come from the mesh compiler (shared/plan/mesh/).
   */
  creates: PlannedRequest[];
}

/** The whole plan of an environment: deterministic for a given spec. */
export interface EnvironmentPlan {
  environment: string;
  project: string;
  /** Steps in dependency order (layer by layer, graph order within a layer). */
  steps: PlannedStep[];
  /** Steps that may run concurrently, layer by layer. */
  layers: StepName[][];
  /** The chain of steps that decides the wall time, with TYPICAL_STEP_SECONDS. */
  criticalPath: CriticalPath;
}

/** The environment's step graph with the exact requests each step makes. Pure. */
export function planEnvironment(env: Environment): EnvironmentPlan {
  const layers = topologicalLayers(ENVIRONMENT_GRAPH);
  const byName = new Map(ENVIRONMENT_GRAPH.map((node) => [node.name, node]));
  const steps = layers.flat().map((name): PlannedStep => {
    const node = byName.get(name);
    if (!node) throw new Error(`unreachable: step ${name} missing from the graph`);
    return {
      name,
      dependsOn: [...node.dependsOn],
      api: node.api,
      description: node.description,
      creates: stepRequests(name, env),
    };
  });
  return {
    environment: env.metadata.name,
    project: env.spec.project,
    steps,
    layers,
    criticalPath: criticalPath(ENVIRONMENT_GRAPH, TYPICAL_STEP_SECONDS),
  };
}

export * from './graph.js';
export * from './gcp/index.js';
