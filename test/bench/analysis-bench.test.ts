import { describe, expect, it } from 'vitest';
import { verifyReachability } from '../../shared/analysis/index.js';
import { validateSpecSet } from '../../shared/spec/validate-spec-set.js';
import { MEASURES, runAnalysisBenchmark } from '../../bench/analysis.js';
import {
  DEFAULT_SHAPE,
  generateEnvironment,
  tenantHosts,
} from '../../bench/generated-environment.js';

describe('the generated environment', () => {
  const generated = generateEnvironment({ tenants: 60 });

  it('is a valid spec set whose compiled objects keep every promise', () => {
    expect(
      validateSpecSet({
        environments: [{ spec: generated.environment }],
        tenants: generated.tenants.map((spec) => ({ spec })),
      }),
    ).toEqual([]);
    const verification = verifyReachability(
      generated.environment,
      generated.tenants,
      generated.objects,
      generated.firewalls,
    );
    expect(verification.differences).toEqual([]);
    expect(verification.rows.some((row) => row.endsWith('ALLOWED passthrough'))).toBe(true);
    expect(verification.rows.some((row) => row.endsWith('ALLOWED tls-origination'))).toBe(true);
    expect(verification.rows.some((row) => row.endsWith('ALLOWED plain-http'))).toBe(true);
  });

  it('shares hosts between tenants and connects some of them, with and without consent', () => {
    const grantees = new Map<string, number>();
    for (const tenant of generated.tenants) {
      expect(tenant.spec.egress).toHaveLength(DEFAULT_SHAPE.hostsPerTenant);
      for (const rule of tenant.spec.egress)
        grantees.set(rule.host, (grantees.get(rule.host) ?? 0) + 1);
    }
    expect(grantees.size).toBeLessThanOrEqual(DEFAULT_SHAPE.hosts);
    expect(Math.max(...grantees.values())).toBeGreaterThan(3);
    const policy = (name: string) =>
      generated.tenants.find((t) => t.metadata.name === name)?.spec.networkPolicy;
    expect(policy('team-11')?.allowToTenants).toEqual(['team-10']);
    expect(policy('team-10')?.acceptFromTenants).toEqual(['team-11']);
    expect(policy('team-15')?.allowToTenants).toEqual(['team-16']);
    expect(policy('team-16')?.acceptFromTenants).toEqual([]);
  });

  it('gives each tenant distinct hosts, whatever the pool', () => {
    for (const hosts of [5, 11, 22, 50]) {
      for (let tenant = 0; tenant < 30; tenant += 1) {
        const mine = tenantHosts(tenant, { ...DEFAULT_SHAPE, hosts });
        expect(new Set(mine).size).toBe(5);
        expect(mine.every((h) => h >= 0 && h < hosts)).toBe(true);
      }
    }
    expect(() => generateEnvironment({ tenants: 0 })).toThrow(/tenants >= 1/);
  });
});

describe('the analysis benchmark', () => {
  it('prints every size, every measure and its growth exponent, with small sizes', () => {
    const lines: string[] = [];
    const result = runAnalysisBenchmark(
      { tenants: [8, 16], runs: 1, shape: { ...DEFAULT_SHAPE, hosts: 10 } },
      (line) => lines.push(line),
    );
    const text = lines.join('\n');
    for (const column of ['tenants', 'objects', 'cells', 'probes', 'findings wall ms', 'µs/cell']) {
      expect(text).toContain(column);
    }
    for (const measure of MEASURES) {
      expect(text).toContain(`${measure} cpu ms`);
      expect(text).toMatch(
        new RegExp(`growth of ${measure} \\(8/16 tenants\\): cost ∝ tenants\\^-?\\d+\\.\\d\\d`),
      );
      expect(result.exponents[measure]).toBeDefined();
    }
    expect(result.timings.map((t) => [t.tenants, t.cells])).toEqual([
      [8, 80],
      [16, 160],
    ]);
    expect(result.timings.every((t) => t.differences === 0 && t.findings > 0)).toBe(true);
  });
});
