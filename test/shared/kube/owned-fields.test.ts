import { describe, expect, it } from 'vitest';
import { extractFields, isAppliedUnchanged, quantityValue } from '../../../shared/kube/index.js';

const manager = 'egress-provisioner';

/** A live Service as the API server keeps it after our apply and its own defaulting. */
function liveService(targetPort: number, owner = manager) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'gw',
      namespace: 'istio-egress',
      labels: { app: 'gw', extra: 'theirs' },
      managedFields: [
        {
          manager: owner,
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:ports': {
                'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} },
              },
            },
          },
        },
      ],
    },
    spec: {
      clusterIP: '10.96.0.1',
      ports: [
        { port: 80, protocol: 'TCP', targetPort },
        { port: 9000, protocol: 'TCP', targetPort: 9000 },
      ],
    },
  };
}

const applied = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'gw', namespace: 'istio-egress', labels: { app: 'gw' } },
  spec: { ports: [{ port: 80, targetPort: 8080 }] },
};

describe('owned fields', () => {
  it('extracts only what the FieldsV1 tree covers, list elements by key, in live order', () => {
    const live = liveService(8080);
    expect(extractFields(live, live.metadata.managedFields[0]!.fieldsV1)).toEqual({
      metadata: { labels: { app: 'gw' } },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    });
  });

  it('extracts set members (v:) and whole atomic values', () => {
    expect(
      extractFields(
        { a: ['x', 'y', 'z'], b: [{ c: 1 }] },
        { 'f:a': { 'v:"z"': {}, 'v:"x"': {} }, 'f:b': {} },
      ),
    ).toEqual({
      a: ['x', 'z'],
      b: [{ c: 1 }],
    });
  });

  it('says unchanged only when the owned fields equal the configuration', () => {
    expect(isAppliedUnchanged(applied, liveService(8080), manager)).toBe(true);
    expect(isAppliedUnchanged(applied, liveService(9999), manager)).toBe(false);
    // Another manager's entry is not ours: in doubt, apply.
    expect(isAppliedUnchanged(applied, liveService(8080, 'kubectl'), manager)).toBe(false);
    // A field we own but no longer want must be removed by an apply.
    const fewer = { ...applied, metadata: { ...applied.metadata, labels: {} } };
    expect(isAppliedUnchanged(fewer, liveService(8080), manager)).toBe(false);
  });

  it('compares resource quantities by value, and nothing else', () => {
    expect(quantityValue('2000m')).toBe(2);
    expect(quantityValue('1Gi')).toBe(1024 ** 3);
    expect(quantityValue('1024Mi')).toBe(quantityValue('1Gi'));
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('abc')).toBeUndefined();
    const entry = (fieldsV1: object) => ({
      manager,
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1,
    });
    const live = (cpu: string, image: string) => ({
      apiVersion: 'v1',
      kind: 'X',
      metadata: {
        name: 'x',
        managedFields: [
          entry({ 'f:spec': { 'f:resources': { 'f:limits': { 'f:cpu': {} } }, 'f:image': {} } }),
        ],
      },
      spec: { resources: { limits: { cpu } }, image },
    });
    const want = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'x' },
      spec: { resources: { limits: { cpu: '2000m' } }, image: '2' },
    };
    expect(isAppliedUnchanged(want, live('2', '2'), manager)).toBe(true);
    expect(isAppliedUnchanged(want, live('3', '2'), manager)).toBe(false);
    // Outside requests/limits a string is a string.
    expect(
      isAppliedUnchanged(
        { ...want, spec: { ...want.spec, image: '2000m' } },
        live('2', '2'),
        manager,
      ),
    ).toBe(false);
  });

  it('treats an empty desired list the server recorded no ownership for as unchanged only if live is empty too', () => {
    const live = (rules: unknown[]) => ({
      apiVersion: 'v1',
      kind: 'X',
      metadata: {
        name: 'x',
        managedFields: [
          { manager, operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:spec': { 'f:a': {} } } },
        ],
      },
      spec: { a: 1, rules },
    });
    const want = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'x' },
      spec: { a: 1, rules: [] },
    };
    expect(isAppliedUnchanged(want, live([]), manager)).toBe(true);
    expect(isAppliedUnchanged(want, live([{ from: 'someone' }]), manager)).toBe(false);
  });
});
