import { describe, expect, it } from 'vitest';
import {
  applyConfiguration,
  describePath,
  fieldSetOf,
  fromFieldsV1,
  toFieldsV1,
} from '../../../local/kube/managed-fields.js';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from '../../../local/kube/patches.js';
import type { ListType } from '../../../local/kube/resource-types.js';
import { labelMatcher, parseLabelSelector } from '../../../local/kube/selectors.js';
import { KubeApiError } from '../../../local/kube/status-errors.js';

const listType = (names: readonly string[]): ListType => {
  const field = names[names.length - 1];
  if (field === 'containers') return { type: 'map', keys: ['name'] };
  if (field === 'ports') return { type: 'map', keys: ['port', 'protocol'] };
  if (field === 'finalizers') return { type: 'set' };
  return { type: 'atomic' };
};

describe('label selectors', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g')).toEqual([
      { key: 'a', operator: 'in', values: ['1'] },
      { key: 'b', operator: 'in', values: ['2'] },
      { key: 'c', operator: 'notin', values: ['3'] },
      { key: 'd', operator: 'in', values: ['x', 'y'] },
      { key: 'e', operator: 'notin', values: ['z'] },
      { key: 'f', operator: 'exists' },
      { key: 'g', operator: '!exists' },
    ]);
  });

  it('matches like the API server (!= and notin match a missing key)', () => {
    expect(labelMatcher('team!=x')({})).toBe(true);
    expect(labelMatcher('team notin (x)')({ team: 'y' })).toBe(true);
    expect(labelMatcher('team in (x)')({})).toBe(false);
    expect(labelMatcher('istio.io/rev')({ 'istio.io/rev': 'asm' })).toBe(true);
    expect(labelMatcher('!istio.io/rev')({ 'istio.io/rev': 'asm' })).toBe(false);
    expect(labelMatcher('')({ anything: 'x' })).toBe(true);
  });

  it('rejects bad syntax with a 400', () => {
    expect(() => parseLabelSelector('a in (b')).toThrow(KubeApiError);
    expect(() => parseLabelSelector('a=b c')).toThrow(/unable to parse requirement/);
  });
});

describe('patches', () => {
  it('merge patch deletes with null and replaces lists', () => {
    expect(
      applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }),
    ).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it('json patch supports add, remove, replace, move, copy and test', () => {
    const result = applyJsonPatch({ a: [1, 2], b: { c: 1 } }, [
      { op: 'add', path: '/a/-', value: 3 },
      { op: 'remove', path: '/a/0' },
      { op: 'replace', path: '/b/c', value: 2 },
      { op: 'copy', from: '/b/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' },
      { op: 'test', path: '/e', value: 2 },
    ]);
    expect(result).toEqual({ a: [2, 3], b: { c: 2 }, e: 2 });
    expect(() => applyJsonPatch({}, [{ op: 'remove', path: '/missing' }])).toThrow(KubeApiError);
  });

  it('strategic merge patch merges keyed lists and honours directives', () => {
    const target = {
      spec: {
        containers: [
          { name: 'a', image: '1' },
          { name: 'b', image: '1' },
        ],
        finalizers: ['x'],
      },
    };
    const patched = applyStrategicMergePatch(
      target,
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }],
          containers: [
            { name: 'a', image: '2' },
            { name: 'b', $patch: 'delete' },
            { name: 'c', image: '1' },
          ],
          finalizers: ['y'],
        },
      },
      listType,
    );
    expect(patched).toEqual({
      spec: {
        containers: [
          { name: 'a', image: '2' },
          { name: 'c', image: '1' },
        ],
        finalizers: ['x', 'y'],
      },
    });
  });
});

describe('managed fields', () => {
  it('round-trips FieldsV1 and names paths as the API server does', () => {
    const paths = fieldSetOf(
      {
        metadata: { name: 'n', labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'i' }], ports: [{ port: 80 }] },
      },
      listType,
    );
    const fields = toFieldsV1(paths);
    expect(fields).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': {
        'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } },
      },
    });
    expect(fromFieldsV1(fields)).toEqual(paths);
    expect(describePath(['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image'])).toBe(
      '.spec.containers[name="c"].image',
    );
  });

  it('keeps a field another manager owns and drops one nobody owns', () => {
    const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } };
    const now = '2026-01-01T00:00:00Z';
    const first = applyConfiguration({
      live: undefined,
      applied: { ...base, data: { a: '1', b: '1' } },
      manager: 'one',
      apiVersion: 'v1',
      force: false,
      listType,
      now,
    });
    const second = applyConfiguration({
      live: first,
      applied: { ...base, data: { b: '1', c: '1' } },
      manager: 'two',
      apiVersion: 'v1',
      force: false,
      listType,
      now,
    });
    const third = applyConfiguration({
      live: second,
      applied: { ...base, data: {} },
      manager: 'one',
      apiVersion: 'v1',
      force: false,
      listType,
      now,
    });
    expect(third.data).toEqual({ b: '1', c: '1' });
    expect(() =>
      applyConfiguration({
        live: third,
        applied: { ...base, data: { c: '2' } },
        manager: 'one',
        apiVersion: 'v1',
        force: false,
        listType,
        now,
      }),
    ).toThrow(/Apply failed with 1 conflict: conflict with "two" using v1: \.data\.c/);
  });
});
