import { describe, expect, it } from 'vitest';
import { ConnectionSet } from '../../../shared/analysis/connection-set.js';
import {
  connectionList,
  formatLine,
  parseConnectionList,
} from '../../../shared/analysis/connlist.js';
import { objectsFromText } from './load-fixtures.js';

describe('ConnectionSet', () => {
  it('parses and prints netpol-analyzer text', () => {
    expect(ConnectionSet.parse('TCP 10053,UDP 10053').toString()).toBe('TCP 10053,UDP 10053');
    expect(ConnectionSet.parse('TCP 80,443-445,UDP 53').toString()).toBe('TCP 80,443-445,UDP 53');
    expect(ConnectionSet.parse('All Connections').isAll()).toBe(true);
    expect(ConnectionSet.parse('TCP 1-65535,UDP 1-65535,SCTP 1-65535').toString()).toBe(
      'All Connections',
    );
    expect(() => ConnectionSet.parse('TCP x')).toThrow(/token "TCP x"/);
  });

  it('intersects and unites port ranges', () => {
    const a = ConnectionSet.of('TCP', [{ from: 1, to: 100 }]);
    const b = ConnectionSet.of('TCP', [{ from: 50, to: 200 }]).union(ConnectionSet.port('UDP', 53));
    expect(a.intersect(b).toString()).toBe('TCP 50-100');
    expect(a.union(b).toString()).toBe('TCP 1-200,UDP 53');
  });
});

describe('NetworkPolicy connlist details', () => {
  const yaml = `
apiVersion: v1
kind: Namespace
metadata: {name: n}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: n, labels: {app: a}}
spec: {containers: [{ports: [{name: web, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: n, labels: {app: b}}
spec: {containers: [{}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-in, namespace: n}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: web}, {port: 9000, endPort: 9010}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-out, namespace: n}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
  - to: [{podSelector: {}}]
`;
  it('resolves named ports and endPort, splits ipBlock ranges, and formats them', () => {
    const lines = connectionList(objectsFromText(yaml)).map(formatLine);
    expect(lines).toEqual([
      '0.0.0.0-255.255.255.255[External] => n/b[Pod] : All Connections',
      'n/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'n/a[Pod] => n/b[Pod] : All Connections',
      'n/b[Pod] => 10.0.0.0-10.0.255.255[External] : All Connections',
      'n/b[Pod] => 10.2.0.0-10.255.255.255[External] : All Connections',
      'n/b[Pod] => n/a[Pod] : TCP 8080,9000-9010',
    ]);
  });

  it('parses connlist text and names a bad line', () => {
    expect(parseConnectionList('a => b : TCP 80\n\n')).toHaveLength(1);
    expect(() => parseConnectionList('a -> b')).toThrow(/line 1/);
  });
});
