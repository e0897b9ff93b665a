import { describe, expect, it } from 'vitest';
import { hostNameProblem } from '../../../shared/spec/tenant.js';
import {
  deniedHostPattern,
  hostNotExternalProblem,
  isReservedNamespace,
  podSecurityLabels,
} from '../../../shared/spec/tenant-policy.js';

describe('tenant policy', () => {
  it('refuses hosts inside the VPC or the cluster', () => {
    for (const host of [
      'metadata.google.internal',
      '*.google.internal',
      'x.c.project.internal',
      'kubernetes.default.svc.cluster.local',
      'kubernetes.default.svc',
      'kubernetes.default',
      'x.kube-system',
      'printer.local',
      'app.localhost',
      '1.0.0.10.in-addr.arpa',
    ]) {
      expect(hostNameProblem(host)?.rule, host).toBe('host-not-external');
    }
    expect(hostNameProblem('metadata')?.rule).toBe('bare-tld');
    expect(hostNameProblem('localhost')?.rule).toBe('bare-tld');
    for (const host of ['example.com', 'httpbin.org', 'internal.example.com', 'local.dev']) {
      expect(hostNotExternalProblem(host), host).toBeUndefined();
      expect(hostNameProblem(host), host).toBeUndefined();
    }
  });

  it('matches the environment’s denied hosts, exact or wildcard, both ways', () => {
    const denied = ['*.corp.example.com', 'billing.example.org'];
    expect(deniedHostPattern('vault.corp.example.com', denied)).toBe('*.corp.example.com');
    expect(deniedHostPattern('*.corp.example.com', denied)).toBe('*.corp.example.com');
    expect(deniedHostPattern('billing.example.org', denied)).toBe('billing.example.org');
    // A wildcard grant would cover a denied host.
    expect(deniedHostPattern('*.example.org', denied)).toBe('billing.example.org');
    expect(deniedHostPattern('corp.example.com', denied)).toBeUndefined();
    expect(deniedHostPattern('example.org', denied)).toBeUndefined();
  });

  it('reserves Kubernetes-, Google- and mesh-managed namespaces', () => {
    for (const ns of [
      'default',
      'kube-system',
      'gke-managed-cim',
      'gmp-system',
      'istio-system',
      'asm-system',
      'config-management-system',
      'gatekeeper-system',
      'cnrm-system',
      'anthos-identity-service',
    ]) {
      expect(isReservedNamespace(ns), ns).toBe(true);
    }
    expect(isReservedNamespace('egress', 'egress')).toBe(true);
    expect(isReservedNamespace('team-x', 'istio-egress')).toBe(false);
  });

  it('labels a Pod Security level for enforce, warn and audit', () => {
    expect(podSecurityLabels('baseline')).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
  });
});
