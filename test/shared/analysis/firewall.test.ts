import { describe, expect, it } from 'vitest';
import { decideEgress, type FirewallRule } from '../../../shared/analysis/firewall.js';
import { ipv4ToNumber } from '../../../shared/lib/ip.js';

const ip = (text: string): number => ipv4ToNumber(text) ?? -1;
const denyAll: FirewallRule = {
  name: 'deny-all',
  direction: 'EGRESS',
  priority: 65535,
  denied: [{ IPProtocol: 'all' }],
  destinationRanges: ['0.0.0.0/0'],
};
const gatewayWeb: FirewallRule = {
  name: 'gateway-web',
  direction: 'EGRESS',
  priority: 1000,
  allowed: [{ IPProtocol: 'tcp', ports: ['80', '443'] }],
  targetServiceAccounts: ['sa-gateway-nodes@p.iam.gserviceaccount.com'],
};

describe('VPC firewall egress decision', () => {
  it('a lower priority number wins: allow 1000 over deny 65535', () => {
    const d = decideEgress(
      [denyAll, gatewayWeb],
      'sa-gateway-nodes@p.iam.gserviceaccount.com',
      ip('8.8.8.8'),
      'tcp',
      443,
    );
    expect(d.allowed).toBe(true);
    expect(d.rule?.name).toBe('gateway-web');
  });

  it('a deny at a lower number beats an allow', () => {
    const block: FirewallRule = {
      name: 'block',
      direction: 'EGRESS',
      priority: 900,
      denied: [{ IPProtocol: 'tcp' }],
      destinationRanges: ['8.8.8.0/24'],
    };
    const d = decideEgress(
      [denyAll, gatewayWeb, block],
      'sa-gateway-nodes@p.iam.gserviceaccount.com',
      ip('8.8.8.8'),
      'tcp',
      443,
    );
    expect(d.allowed).toBe(false);
    expect(d.rule?.name).toBe('block');
  });

  it('at equal priority deny beats allow', () => {
    const sameDeny: FirewallRule = {
      ...gatewayWeb,
      name: 'same-deny',
      allowed: undefined,
      denied: [{ IPProtocol: 'tcp', ports: ['443'] }],
    };
    const d = decideEgress(
      [gatewayWeb, sameDeny],
      'sa-gateway-nodes@p.iam.gserviceaccount.com',
      ip('8.8.8.8'),
      'tcp',
      443,
    );
    expect(d.rule?.name).toBe('same-deny');
  });

  it('targetServiceAccounts limit a rule to those VMs (bare ids match any project)', () => {
    expect(
      decideEgress(
        [denyAll, gatewayWeb],
        'sa-application-nodes@p.iam.gserviceaccount.com',
        ip('8.8.8.8'),
        'tcp',
        443,
      ).allowed,
    ).toBe(false);
    expect(
      decideEgress([denyAll, gatewayWeb], 'sa-gateway-nodes', ip('8.8.8.8'), 'tcp', 443).allowed,
    ).toBe(true);
  });

  it('ports and port ranges must match', () => {
    expect(
      decideEgress([denyAll, gatewayWeb], 'sa-gateway-nodes', ip('8.8.8.8'), 'tcp', 8080).allowed,
    ).toBe(false);
    const range: FirewallRule = {
      name: 'range',
      direction: 'EGRESS',
      allowed: [{ IPProtocol: 'tcp', ports: ['8000-8999'] }],
    };
    expect(decideEgress([denyAll, range], 'x', ip('8.8.8.8'), 'tcp', 8080).rule?.name).toBe(
      'range',
    );
  });

  it('no matching rule means the implied allow-egress', () => {
    const d = decideEgress([], 'x', ip('8.8.8.8'), 'tcp', 443);
    expect(d.allowed).toBe(true);
    expect(d.rule).toBeUndefined();
  });
});
