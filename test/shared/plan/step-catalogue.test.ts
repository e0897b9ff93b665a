import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_GRAPH,
  ENVIRONMENT_STEPS,
  familyOf,
  reverseGraph,
  STEP_FAMILIES,
  STEP_FAMILY_NAMES,
  upstreamOf,
  type StepGraph,
} from '../../../shared/plan/graph.js';

describe('the step catalogue', () => {
  it('gives every step one family, and the families partition the steps in graph order', () => {
    expect(STEP_FAMILY_NAMES).toEqual(Object.keys(STEP_FAMILIES));
    expect(new Set(STEP_FAMILY_NAMES).size).toBe(STEP_FAMILY_NAMES.length);
    expect(Object.values(STEP_FAMILIES).flat().sort()).toEqual([...ENVIRONMENT_STEPS].sort());
    for (const family of STEP_FAMILY_NAMES) {
      const steps = STEP_FAMILIES[family];
      expect(steps.length, family).toBeGreaterThan(0);
      for (const step of steps) expect(familyOf(step)).toBe(family);
      const positions = steps.map((step) => ENVIRONMENT_STEPS.indexOf(step));
      expect(positions, family).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('serves steps of one API from one function', () => {
    expect(STEP_FAMILIES.network).toEqual(['apis', 'network', 'subnet']);
    expect(STEP_FAMILIES.cluster).toEqual(['cluster', 'gateway-pool']);
    expect(familyOf('private-dns')).toBe('dns');
    expect(familyOf('service-accounts')).toBe('iam');
  });

  it('refuses a name that is not a step', () => {
    expect(() => familyOf('bucket' as never)).toThrow('"bucket" is not an environment step');
  });
});

describe('upstreamOf', () => {
  const graph: StepGraph<'a' | 'b' | 'c' | 'd' | 'e'> = [
    { name: 'a', dependsOn: [], api: '-', description: '-' },
    { name: 'b', dependsOn: ['a'], api: '-', description: '-' },
    { name: 'c', dependsOn: ['a'], api: '-', description: '-' },
    { name: 'd', dependsOn: ['c', 'b'], api: '-', description: '-' },
    { name: 'e', dependsOn: [], api: '-', description: '-' },
  ];

  it('lists every transitive dependency once, in graph order', () => {
    expect(upstreamOf(graph, 'd')).toEqual(['a', 'b', 'c']);
    expect(upstreamOf(graph, 'b')).toEqual(['a']);
    expect(upstreamOf(graph, 'a')).toEqual([]);
    expect(upstreamOf(graph, 'e')).toEqual([]);
  });

  it('follows the environment graph and its reverse', () => {
    expect(upstreamOf(ENVIRONMENT_GRAPH, 'subnet')).toEqual(['apis', 'network']);
    expect(upstreamOf(ENVIRONMENT_GRAPH, 'tenants')).toEqual(
      ENVIRONMENT_STEPS.filter((step) => step !== 'tenants'),
    );
    expect(upstreamOf(reverseGraph(ENVIRONMENT_GRAPH), 'gateway-pool')).toEqual([
      'mesh-config',
      'tenants',
    ]);
  });
});
