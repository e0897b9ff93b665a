/**
 * The reachability analyzer: pure functions over an object set (Kubernetes/Istio objects) and the
 * VPC's firewall bodies. See docs/architecture.md "Reachability analyzer".
 */
export { ConnectionSet, type Protocol, PROTOCOLS } from './connection-set.js';
export {
  connectionList,
  formatLine,
  parseConnectionList,
  type ConnectionLine,
} from './connlist.js';
export { decideEgress, type FirewallRule, type FirewallDecision } from './firewall.js';
export {
  findings,
  tenantNamespaces,
  gatewayRoutedHosts,
  type Finding,
  type FindingKind,
} from './findings.js';
export {
  matrix,
  grantedHosts,
  type MatrixOptions,
  type MatrixCell,
  type ReachabilityMatrix,
} from './matrix.js';
export {
  NetworkPolicyEngine,
  collectWorkloads,
  type Workload,
  type NetworkPeer,
} from './network-policy.js';
export { flattenObjects } from './object-access.js';
export { ReachabilityAnalyzer, can } from './reachability.js';
export {
  type AnalyzerOptions,
  type ReachabilityResult,
  type Verdict,
  type Via,
} from './analysis-context.js';
export { type GatewayEntrance } from './gateway-service.js';
export { type ReachabilityRequest } from './request.js';
export { formatHop, formatRef, type Hop, type ObjectRef, type Stage } from './trace.js';
export {
  analyzerOptionsFor,
  decidingObject,
  expectedReachability,
  formatDifferences,
  formatExpected,
  formatReachabilityRow,
  keepsPromise,
  parseReachabilityRow,
  reachabilityProbes,
  verifyReachability,
  type ExpectedReachability,
  type ObservedReachability,
  type ReachabilityDifference,
  type ReachabilityProbe,
  type ReachabilityVerification,
} from './granted.js';
export { ANALYZED_KINDS, type AnalyzedKind } from './analyzed-kinds.js';
export {
  accessDiff,
  formatAccessChange,
  type AccessChange,
  type AccessState,
} from './access-diff.js';
