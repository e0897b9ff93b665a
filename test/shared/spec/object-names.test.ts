import { describe, expect, it } from 'vitest';
import {
  hostObjectNames,
  hostServiceEntryName,
  hostVirtualServiceName,
  mutualObjectName,
  originationRuleName,
  tenantHostObjectNames,
  tenantHostPolicyName,
  tenantPassthroughPolicyName,
} from '../../../shared/spec/object-names.js';

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Every name of a (tenant, host) pair, keyed by kind, as the compiler would emit them. */
const namesOf = (tenant: string, host: string) =>
  [...hostObjectNames(host), ...tenantHostObjectNames(tenant, host)].map(
    (n) => `${n.kind}/${n.name}`,
  );

describe('object names derived from tenants and hosts', () => {
  it('keeps the tutorial’s readable names', () => {
    expect(hostServiceEntryName('example.com')).toBe('example-com-ext');
    expect(hostVirtualServiceName('httpbin.org')).toBe('httpbin-org-through-egress-gateway');
    expect(originationRuleName('example.com')).toBe('example-com-originate-tls');
    expect(mutualObjectName('example.com')).toBe('egress-mtls-example-com');
    expect(tenantHostPolicyName('team-x', 'example.com')).toBe('egress-team-x-to-example-com');
    expect(tenantPassthroughPolicyName('team-x', 'example.com')).toBe(
      'egress-team-x-to-example-com-passthrough',
    );
  });

  it('separates a.b.com from a-b.com', () => {
    expect(hostServiceEntryName('a.b.com')).not.toBe(hostServiceEntryName('a-b.com'));
    expect(hostServiceEntryName('a-b.com')).toMatch(/^a-b-com-ext--[0-9a-f]{12}$/);
  });

  it('separates tenant a + b-to-c.com from tenant a-to-b + c.com (and b.to.c.com)', () => {
    const names = [
      tenantHostPolicyName('a', 'b-to-c.com'),
      tenantHostPolicyName('a-to-b', 'c.com'),
      tenantHostPolicyName('a', 'b.to.c.com'),
    ];
    expect(new Set(names).size).toBe(3);
  });

  it('keeps a 253-character host’s names within 63 characters', () => {
    const label = 'a'.repeat(61);
    const host = `${label}.${label}.${label}.${'b'.repeat(63)}.com`;
    expect(host).toHaveLength(253);
    for (const name of [...namesOf('t'.repeat(63), host)]) {
      const bare = name.slice(name.indexOf('/') + 1);
      expect(bare.length, bare).toBeLessThanOrEqual(63);
      expect(bare).toMatch(DNS_LABEL);
    }
  });

  it('lists, per host and per pair, exactly the names the single-name functions derive', () => {
    // hostObjectNames and tenantHostObjectNames compute the slug once (validation runs them for
    // thousands of rules); they must stay the same names as the functions the compiler calls.
    const hosts = [
      'example.com',
      'a-b.com',
      '*.example.org',
      'to.ext.com',
      `${'a'.repeat(60)}.com`,
    ];
    for (const host of hosts) {
      expect(hostObjectNames(host)).toEqual([
        { kind: 'ServiceEntry', name: hostServiceEntryName(host) },
        { kind: 'VirtualService', name: hostVirtualServiceName(host) },
        { kind: 'DestinationRule', name: originationRuleName(host) },
        { kind: 'DestinationRule', name: mutualObjectName(host) },
        { kind: 'Service', name: mutualObjectName(host) },
        { kind: 'Gateway', name: mutualObjectName(host) },
      ]);
      for (const tenant of ['team-x', 'a--b', 't'.repeat(63)]) {
        expect(tenantHostObjectNames(tenant, host)).toEqual([
          { kind: 'AuthorizationPolicy', name: tenantHostPolicyName(tenant, host) },
          { kind: 'AuthorizationPolicy', name: tenantPassthroughPolicyName(tenant, host) },
        ]);
      }
    }
    expect(hostServiceEntryName('*.example.org')).toMatch(
      /^wildcard-example-org-ext--[0-9a-f]{12}$/,
    );
  });

  it('is injective over generated (tenant, host) pairs (property loop)', () => {
    // Tenants and hosts built from the fragments that made names collide before: hyphens,
    // dots, the scheme's own words, long labels.
    const words = ['a', 'b', 'c', 'to', 'ext', 'tls', 'x1', 'passthrough', 'mtls', 'egress'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = () => words[random(words.length)] ?? 'a';
    const owners = new Map<string, string>();
    for (let i = 0; i < 4000; i++) {
      const tenant = Array.from({ length: 1 + random(3) }, pick).join('-');
      const labels = Array.from({ length: 1 + random(3) }, () =>
        Array.from({ length: 1 + random(2) }, pick).join(random(2) ? '-' : ''),
      );
      const host = [...labels, random(2) ? 'com' : 'org'].join('.');
      const pair = `${tenant} ${host}`;
      for (const name of namesOf(tenant, host)) {
        const bare = name.slice(name.indexOf('/') + 1);
        expect(bare.length).toBeLessThanOrEqual(63);
        // Host-derived names belong to the host alone; tenant-derived ones to the pair.
        const owner = name.startsWith('AuthorizationPolicy/') ? pair : host;
        const first = owners.get(name);
        if (first === undefined) owners.set(name, owner);
        else expect(first, name).toBe(owner);
      }
    }
    expect(owners.size).toBeGreaterThan(1000);
  });
});
