import { workflowError } from '../errors.js';
import { cloneValue, isList, isMap, type WfMap, type WfValue } from '../values.js';
import { arg, fn, mapArg, str, type StdlibEntries } from './arguments.js';

function mergeNested(first: WfMap, second: WfMap): WfMap {
  const out = cloneValue(first) as WfMap;
  for (const [k, v] of second) {
    const existing = out.get(k);
    out.set(k, isMap(existing) && isMap(v) ? mergeNested(existing, v) : cloneValue(v));
  }
  return out;
}

/** map.* and list.* (https://cloud.google.com/workflows/docs/reference/stdlib/map, .../list). */
export const COLLECTION_FUNCTIONS: StdlibEntries = [
  [
    'map.get',
    fn(['map', 'keys'], 2, ([m, k]) => {
      let current: WfValue = m ?? null;
      const path = isList(k ?? null) ? (k as WfValue[]) : [k ?? null];
      for (const key of path) {
        if (typeof key !== 'string')
          throw workflowError('TypeError', 'map.get: keys must be strings');
        if (!isMap(current) || !current.has(key)) return null;
        current = current.get(key) as WfValue;
      }
      return current;
    }),
  ],
  [
    'map.delete',
    fn(['map', 'key'], 2, ([m, k]) => {
      const out = cloneValue(mapArg('map.delete', 'map', m)) as WfMap;
      out.delete(str('map.delete', 'key', k));
      return out;
    }),
  ],
  [
    'map.merge',
    fn(['first', 'second'], 2, ([a, b]) => {
      const out = cloneValue(mapArg('map.merge', 'first', a)) as WfMap;
      for (const [k, v] of mapArg('map.merge', 'second', b)) out.set(k, cloneValue(v));
      return out;
    }),
  ],
  [
    'map.merge_nested',
    fn(['first', 'second'], 2, ([a, b]) =>
      mergeNested(mapArg('map.merge_nested', 'first', a), mapArg('map.merge_nested', 'second', b)),
    ),
  ],
  [
    'list.concat',
    fn(['objs', 'val'], 2, ([l, v]) => [
      ...(arg('list.concat', 'objs', l, 'list') as WfValue[]).map(cloneValue),
      cloneValue(v ?? null),
    ]),
  ],
  [
    'list.prepend',
    fn(['objs', 'val'], 2, ([l, v]) => [
      cloneValue(v ?? null),
      ...(arg('list.prepend', 'objs', l, 'list') as WfValue[]).map(cloneValue),
    ]),
  ],
];
