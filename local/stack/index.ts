/**
 * The local stack launcher: every stand-in for Google Cloud on one machine, started in order
 * and described in a state directory (stack.json, env, kubeconfig) that the CLI attaches to.
 */
export {
  startLocalStack,
  resolveParts,
  workflowSpeedUp,
  checkStackPrerequisites,
  type LocalStack,
  type LocalStackOptions,
  type RestartablePart,
  type StackPorts,
} from './launcher.js';
export {
  STACK_PARTS,
  DEFAULT_STATE_DIR,
  DEFAULT_TIME_SCALE,
  ENVIRONMENT_REQUESTS_TOPIC,
  StackStartError,
  stackPaths,
  readStackInfo,
  runningStack,
  processAlive,
  stackVariables,
  exportLines,
  writeStackFiles,
  removeStackFiles,
  type StackPart,
  type StackInfo,
  type StackEndpoints,
  type StackPaths,
} from './state-files.js';
export { startClusterFleet, type ClusterFleet, type ClusterFleetOptions } from './clusters.js';
export {
  startFunctionsProcess,
  stopProcessGroup,
  type FunctionsProcess,
  type FunctionsProcessOptions,
} from './functions-process.js';
