import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors.js';
import {
  ENVIRONMENT_GRAPH,
  ENVIRONMENT_STEPS,
  TYPICAL_STEP_SECONDS,
  criticalPath,
  findCycle,
  reverseGraph,
  topologicalLayers,
  validateGraph,
  type StepGraph,
  type StepNode,
} from '../../../shared/plan/graph.js';

const node = <N extends string>(name: N, dependsOn: N[] = []): StepNode<N> => ({
  name,
  dependsOn,
  api: 'test',
  description: name,
});

describe('the environment graph', () => {
  it('has every step once, in an order that respects its dependencies', () => {
    expect(ENVIRONMENT_GRAPH.map((step) => step.name)).toEqual([...ENVIRONMENT_STEPS]);
    const seen = new Set<string>();
    for (const step of ENVIRONMENT_GRAPH) {
      for (const dep of step.dependsOn) expect(seen, `${step.name} after ${dep}`).toContain(dep);
      seen.add(step.name);
    }
  });

  it('keeps the dependencies the docs list (docs/architecture.md "The steps")', () => {
    const deps = Object.fromEntries(
      ENVIRONMENT_GRAPH.map((s) => [s.name, [...s.dependsOn].sort()]),
    );
    expect(deps).toEqual({
      apis: [],
      network: ['apis'],
      subnet: ['network'],
      nat: ['network'],
      'service-accounts': ['apis'],
      firewalls: ['network', 'service-accounts'],
      'private-dns': ['network'],
      'fleet-mesh': ['apis'],
      cluster: ['firewalls', 'fleet-mesh', 'private-dns', 'service-accounts', 'subnet'],
      'gateway-pool': ['cluster'],
      'mesh-ready': ['cluster'],
      'mesh-config': ['gateway-pool', 'mesh-ready'],
      tenants: ['mesh-config', 'nat'],
    });
  });

  it('runs independent steps in the same layer', () => {
    expect(topologicalLayers(ENVIRONMENT_GRAPH)).toEqual([
      ['apis'],
      ['network', 'service-accounts', 'fleet-mesh'],
      ['subnet', 'nat', 'firewalls', 'private-dns'],
      ['cluster'],
      ['gateway-pool', 'mesh-ready'],
      ['mesh-config'],
      ['tenants'],
    ]);
  });

  it('tears down in the reverse order', () => {
    const reversed = reverseGraph(ENVIRONMENT_GRAPH);
    const deps = Object.fromEntries(reversed.map((s) => [s.name, [...s.dependsOn].sort()]));
    expect(deps.network).toEqual(['firewalls', 'nat', 'private-dns', 'subnet']);
    expect(deps.tenants).toEqual([]);
    expect(deps.apis).toEqual(['fleet-mesh', 'network', 'service-accounts']);
    // Tenants egress through the NAT, so teardown removes the NAT only after the tenants.
    expect(deps.nat).toEqual(['tenants']);
    expect(topologicalLayers(reversed)).toEqual([
      ['tenants'],
      ['nat', 'mesh-config'],
      ['gateway-pool', 'mesh-ready'],
      ['cluster'],
      ['subnet', 'firewalls', 'private-dns', 'fleet-mesh'],
      ['network', 'service-accounts'],
      ['apis'],
    ]);
  });

  it('finds the critical path of the typical durations: cluster then the mesh control plane', () => {
    const path = criticalPath(ENVIRONMENT_GRAPH, TYPICAL_STEP_SECONDS);
    expect(path.steps).toEqual([
      'apis',
      'network',
      'firewalls',
      'cluster',
      'mesh-ready',
      'mesh-config',
      'tenants',
    ]);
    const sum = path.steps.reduce((total, step) => total + TYPICAL_STEP_SECONDS[step], 0);
    expect(path.duration).toBe(sum);
  });

  it('follows the durations it is given', () => {
    const path = criticalPath(ENVIRONMENT_GRAPH, { ...TYPICAL_STEP_SECONDS, nat: 10_000 });
    expect(path.steps).toEqual(['apis', 'network', 'nat', 'tenants']);
    expect(path.duration).toBe(
      TYPICAL_STEP_SECONDS.apis +
        TYPICAL_STEP_SECONDS.network +
        10_000 +
        TYPICAL_STEP_SECONDS.tenants,
    );
  });
});

describe('graph algorithms on small graphs', () => {
  const diamond: StepGraph<'a' | 'b' | 'c' | 'd'> = [
    node('a'),
    node('b', ['a']),
    node('c', ['a']),
    node('d', ['b', 'c']),
  ];

  it('layers a diamond', () => {
    expect(topologicalLayers(diamond)).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('picks the longer branch of a diamond', () => {
    expect(criticalPath(diamond, { a: 1, b: 2, c: 5, d: 1 })).toEqual({
      steps: ['a', 'c', 'd'],
      duration: 7,
    });
    expect(criticalPath(diamond, { a: 1, b: 9, c: 5, d: 1 }).steps).toEqual(['a', 'b', 'd']);
  });

  it('rejects a negative duration', () => {
    expect(() => criticalPath(diamond, { b: -1 })).toThrow(/duration of step "b"/);
  });

  it('detects a cycle and names it', () => {
    const cyclic: StepGraph<'a' | 'b' | 'c'> = [
      node('a', ['c']),
      node('b', ['a']),
      node('c', ['b']),
    ];
    expect(findCycle(cyclic)).toEqual(['a', 'c', 'b', 'a']);
    expect(() => topologicalLayers(cyclic)).toThrow(PermanentError);
    expect(() => topologicalLayers(cyclic)).toThrow(
      'steps depend on each other in a cycle: a -> c -> b -> a',
    );
    expect(() => reverseGraph(cyclic)).toThrow(/cycle/);
    expect(() => criticalPath(cyclic, {})).toThrow(/cycle/);
  });

  it('detects a self-dependency', () => {
    expect(() => validateGraph([node('a', ['a'])])).toThrow('a -> a');
  });

  it('rejects unknown dependencies and duplicate names', () => {
    expect(() => validateGraph([node('a', ['z' as 'a'])])).toThrow(
      'step "a" depends on "z", which is not a step of the graph',
    );
    expect(() => validateGraph([node('a'), node('a')])).toThrow('step "a" is declared twice');
  });

  it('has no cycle in the acyclic graphs', () => {
    expect(findCycle(diamond)).toBeUndefined();
    expect(findCycle(ENVIRONMENT_GRAPH)).toBeUndefined();
  });
});
