/**
 * The latency model: how long each kind of operation runs on real Google Cloud, from public
 * logs (docs/architecture.md "Performance"), scaled by the simulator's time scale (0 = instant).
 */

/** Real-world durations in seconds per operation kind. */
export const realDurationsSeconds = {
  'service-enable': 5,
  network: 22,
  subnetwork: 12,
  firewall: 15,
  router: 12,
  nat: 15,
  'compute-delete': 10,
  cluster: 240,
  'cluster-delete': 180,
  // Updates in place (authorized networks, endpoints, taints): no public figure; GKE reports
  // them as minutes-long operations, so a minute keeps the one-operation rule visible.
  'cluster-update': 60,
  'node-pool': 70,
  'node-pool-update': 60,
  'node-pool-delete': 60,
  'service-account-consistency': 10,
  membership: 3,
  feature: 2,
  'mesh-active': 360,
  'dns-change': 1,
} as const;

/** A kind of operation the latency model knows. */
export type OperationKind = keyof typeof realDurationsSeconds;

/** Milliseconds an operation of this kind runs for under the given time scale. */
export function durationMs(kind: OperationKind, timeScale: number): number {
  if (!(timeScale > 0)) return 0;
  return Math.round(realDurationsSeconds[kind] * 1000 * timeScale);
}
