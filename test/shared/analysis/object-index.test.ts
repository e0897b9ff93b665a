import { describe, expect, it } from 'vitest';
import { ObjectIndex } from '../../../shared/analysis/object-index.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';

const obj = (kind: string, namespace: string | undefined, name: string, spec = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const names = (objects: KubeObject[]): string[] => objects.map((o) => o.metadata.name);

const objects = [
  obj('AuthorizationPolicy', 'istio-egress', 'a'),
  obj('AuthorizationPolicy', 'istio-system', 'b'),
  obj('Service', undefined, 'in-default'),
  obj('AuthorizationPolicy', 'istio-egress', 'c'),
  obj('VirtualService', 'x', 'exact', { hosts: ['Example.com'] }),
  obj('VirtualService', 'x', 'wild', { hosts: ['*.com'] }),
  obj('VirtualService', 'x', 'other', { hosts: ['other.org'] }),
  obj('VirtualService', 'x', 'exact-again', { hosts: ['example.com', 'example.com'] }),
  obj('DestinationRule', 'x', 'dr', { host: 'example.com' }),
  obj('DestinationRule', 'x', 'no-host'),
];
const index = new ObjectIndex(objects);

describe('ObjectIndex', () => {
  it('answers by kind and namespace in object order', () => {
    expect(names(index.ofKind('AuthorizationPolicy'))).toEqual(['a', 'b', 'c']);
    expect(names(index.inNamespace('AuthorizationPolicy', 'istio-egress'))).toEqual(['a', 'c']);
    expect(names(index.inNamespace('Service', 'default'))).toEqual(['in-default']);
    // Merged by position, not namespace after namespace: first-match rules see the set's order.
    expect(
      names(index.inNamespaces('AuthorizationPolicy', ['istio-system', 'istio-egress'])),
    ).toEqual(['a', 'b', 'c']);
    expect(index.named('Service', 'default', 'in-default')?.metadata.name).toBe('in-default');
    expect(index.named('Service', 'other', 'in-default')).toBeUndefined();
  });

  it('finds every object that may declare a host: exact (any case), wildcards, once each', () => {
    expect(names(index.mayCoverHost('VirtualService', 'EXAMPLE.com'))).toEqual([
      'exact',
      'wild',
      'exact-again',
    ]);
    expect(names(index.mayCoverHost('VirtualService', 'other.org'))).toEqual(['wild', 'other']);
    expect(names(index.mayCoverHost('DestinationRule', 'example.com'))).toEqual(['dr']);
    // A DestinationRule without a host is read as host "".
    expect(names(index.mayCoverHost('DestinationRule', ''))).toEqual(['no-host']);
  });

  it('answers everything of the kind for a wildcard host, which may cover any declared one', () => {
    expect(names(index.mayCoverHost('DestinationRule', '*.com'))).toEqual(['dr', 'no-host']);
  });
});
