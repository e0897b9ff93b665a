/**
 * The node/VPC hop: what a connection meets once it leaves a pod's proxy — the pod's
 * NetworkPolicies, DNS, and the VPC firewall of the nodes the pod runs on.
 */
import { ipv4CidrRange, ipv4ToNumber, numberToIpv4, rangeContains } from '../lib/ip.js';
import type { AnalysisContext, Outcome } from './analysis-context.js';
import { decideEgress } from './firewall.js';
import type { NetworkPeer, Workload } from './network-policy.js';
import type { AnalyzedRequest } from './request.js';
import type { Hop, ObjectRef } from './trace.js';

/** A documentation address (RFC 5737) standing for "some public address" of an unknown host. */
const ASSUMED_PUBLIC_ADDRESS = '203.0.113.10';
const PRIVATE_GOOGLE_ACCESS_RANGES = ['199.36.153.8/30', '199.36.153.4/30'];

/** Where `host` resolves: a configured address, private Google access, or an assumed public one. */
export function resolveHost(ctx: AnalysisContext, host: string, trace: Hop[]): string {
  const known = ctx.options.resolve[host];
  if (known) return known;
  const pga = ctx.options.privateGoogleAccess;
  const domain = pga.domains.find((d) => host === d || host.endsWith(`.${d}`));
  if (domain) {
    trace.push({
      stage: 'dns',
      decision: 'info',
      rule: `${host} is in the private zone for ${domain}: resolves to ${pga.address} (private Google access)`,
    });
    return pga.address;
  }
  trace.push({
    stage: 'dns',
    decision: 'info',
    rule: `${host} resolves to a public address (assumed ${ASSUMED_PUBLIC_ADDRESS})`,
  });
  return ASSUMED_PUBLIC_ADDRESS;
}

/** `Kind/namespace/name` as NetworkPolicy contributions name a policy, back to a reference. */
function policyRef(text: string | undefined): ObjectRef | undefined {
  if (!text) return undefined;
  const [kind = '', namespace, name = ''] = text.split('/');
  return { kind, namespace, name };
}

/** The NetworkPolicy hop of `source` → `destination` on TCP `port` (`what` names the destination). */
function networkPolicyHop(
  ctx: AnalysisContext,
  source: Workload,
  destination: NetworkPeer,
  port: number,
  what: string,
): Hop {
  const egress = ctx.netpol.egress(source, destination);
  let ingressOk = true;
  let ingressPolicy: string | undefined;
  if (destination.type === 'pod') {
    const ingress = ctx.netpol.ingress(destination.workload, { type: 'pod', workload: source });
    ingressOk = ingress.connections.allows('TCP', port);
    ingressPolicy = ingress.contributions.map((c) => c.policy).join(', ');
  }
  const egressOk = egress.connections.allows('TCP', port);
  const allowing = egress.contributions.find((c) => c.connections.allows('TCP', port));
  if (!egressOk) {
    return {
      stage: 'network-policy',
      decision: 'deny',
      rule: `egress of ${source.namespace} to ${what} TCP ${port}: no rule of ${egress.contributions
        .map((c) => c.policy)
        .join(', ')} admits it`,
    };
  }
  if (!ingressOk) {
    return {
      stage: 'network-policy',
      decision: 'deny',
      rule: `ingress of ${what} TCP ${port} from ${source.namespace}: no rule of ${ingressPolicy ?? ''} admits it`,
    };
  }
  return {
    stage: 'network-policy',
    decision: 'pass',
    object: policyRef(allowing?.policy),
    rule: egress.isolated
      ? `egress to ${what} TCP ${port} admitted`
      : `no NetworkPolicy isolates egress of ${source.namespace}: ${what} TCP ${port} admitted`,
  };
}

/** The NetworkPolicy hop of `source` → the egress gateway pods on their TCP `port`. */
export function gatewayPodsPolicyHop(
  ctx: AnalysisContext,
  source: Workload,
  gatewayPod: Workload,
  port: number,
): Hop {
  const what = `${gatewayPod.namespace}/${gatewayPod.name} pods`;
  return networkPolicyHop(ctx, source, { type: 'pod', workload: gatewayPod }, port, what);
}

/** The NetworkPolicy hop of `pod` → the outside `address` on TCP `port`. */
function externalPolicyHop(
  ctx: AnalysisContext,
  pod: Workload,
  address: string,
  port: number,
): Hop {
  const ip = ipv4ToNumber(address) ?? 0;
  return networkPolicyHop(
    ctx,
    pod,
    { type: 'external', range: { from: ip, to: ip } },
    port,
    address,
  );
}

/** The VPC firewall hop of nodes running as `serviceAccount` → `address` on TCP `port`. */
function firewallAllows(
  ctx: AnalysisContext,
  serviceAccount: string,
  address: string,
  port: number,
  trace: Hop[],
): boolean {
  const ip = ipv4ToNumber(address) ?? 0;
  const decision = decideEgress(ctx.firewalls, serviceAccount, ip, 'tcp', port);
  trace.push({
    stage: 'firewall',
    decision: decision.allowed ? 'pass' : 'deny',
    object: decision.rule ? { kind: 'Firewall', name: decision.rule.name } : undefined,
    rule: `egress from nodes running as ${serviceAccount} to ${numberToIpv4(ip)} tcp:${port}: ${decision.reason}`,
  });
  return decision.allowed;
}

/** A connection that leaves an application pod straight for an outside address (no egress gateway). */
export function leavePod(
  ctx: AnalysisContext,
  source: Workload,
  req: AnalyzedRequest,
  address: string,
  trace: Hop[],
): Outcome {
  const hop = externalPolicyHop(ctx, source, address, req.port);
  trace.push(hop);
  if (hop.decision === 'deny') return { verdict: 'DENIED_NETWORK' };
  if (!firewallAllows(ctx, ctx.options.applicationNodeServiceAccount, address, req.port, trace))
    return { verdict: 'DENIED_NETWORK' };
  const ip = ipv4ToNumber(address) ?? 0;
  const pga = PRIVATE_GOOGLE_ACCESS_RANGES.map(ipv4CidrRange).some(
    (r) => r && rangeContains(r, ip),
  );
  return {
    verdict: 'ALLOWED',
    via: pga ? 'private-google-access' : req.scheme === 'https' ? 'passthrough' : 'plain-http',
  };
}

/**
 * The last hop of a request through the egress gateway: `host` resolved, then the gateway pod's
 * NetworkPolicy (traced only when it denies) and the VPC firewall of the gateway nodes.
 */
export function leaveGatewayPod(
  ctx: AnalysisContext,
  gatewayPod: Workload,
  host: string,
  port: number,
  trace: Hop[],
): boolean {
  const address = resolveHost(ctx, host, trace);
  const hop = externalPolicyHop(ctx, gatewayPod, address, port);
  if (hop.decision === 'deny') {
    trace.push(hop);
    return false;
  }
  return firewallAllows(ctx, ctx.options.gatewayNodeServiceAccount, address, port, trace);
}
