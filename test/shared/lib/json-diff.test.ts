import { describe, expect, it } from 'vitest';
import { diffDocuments } from '../../../shared/lib/json-diff.js';

describe('diffDocuments', () => {
  it('lists changed, added and removed leaves with their paths, in key order', () => {
    const from = { spec: { b: 1, a: { x: 'same', y: 'old' }, list: [1, 2, 3], gone: true } };
    const to = { spec: { b: 2, a: { x: 'same', y: 'new' }, list: [1, 5], added: 'yes' } };
    expect(diffDocuments(from, to)).toEqual([
      { path: 'spec.a.y', from: 'old', to: 'new' },
      { path: 'spec.added', to: 'yes' },
      { path: 'spec.b', from: 1, to: 2 },
      { path: 'spec.gone', from: true },
      { path: 'spec.list[1]', from: 2, to: 5 },
      { path: 'spec.list[2]', from: 3 },
    ]);
  });

  it('finds nothing between equal documents, and replaces a leaf that changes type', () => {
    expect(diffDocuments({ a: [{ b: 1 }] }, { a: [{ b: 1 }] })).toEqual([]);
    expect(diffDocuments({ a: { b: 1 } }, { a: 'text' })).toEqual([
      { path: 'a', from: { b: 1 }, to: 'text' },
    ]);
  });
});
