/**
 * The Kubernetes API simulator of the local stack (docs/architecture.md "Local stack"): one HTTP
 * server per simulated cluster, usable with kubectl and `@kubernetes/client-node`.
 */
export {
  startKubeSimulator,
  type KubeSimulator,
  type KubeSimulatorOptions,
  type KubeRequestCounters,
} from './simulator.js';
