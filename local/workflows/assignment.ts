import { workflowError } from './errors.js';
import { evaluateSync, indexOf, mapKey, memberOf, type SyncEvaluationScope } from './evaluate.js';
import type { Expr } from './expression.js';
import type { Scope, VariableMemory } from './scope.js';
import { approximateSize, cloneValue, isList, isMap, type WfMap, type WfValue } from './values.js';

/**
 * Assigns `written` to `name`, `name.key` or `name[i]` (chained) as seen from `scope`; the root
 * variable may be new. Index expressions are evaluated in `indexScope`; every byte the write
 * adds is checked against the memory limit before the write, so a failed assignment leaves the
 * old value in place.
 */
export function assign(
  target: Expr,
  written: WfValue,
  scope: Scope,
  memory: VariableMemory,
  indexScope: SyncEvaluationScope,
): void {
  // A copy, for the reason VariableMemory.bind gives; measured once, it is what the limit counts.
  const value = cloneValue(written);
  const size = approximateSize(value);
  if (target.kind === 'variable') {
    const owner = scope.writable(target.name);
    memory.ensureRoomFor(size - owner.sizeOf(target.name));
    memory.set(owner, target.name, value, size);
    return;
  }
  const path: Array<{ key: string } | { index: Expr }> = [];
  let cursor: Expr = target;
  while (cursor.kind === 'member' || cursor.kind === 'index') {
    path.unshift(cursor.kind === 'member' ? { key: cursor.name } : { index: cursor.index });
    cursor = cursor.object;
  }
  if (cursor.kind !== 'variable') throw workflowError('TypeError', 'invalid assignment target');
  const root = cursor.name;
  const owner = scope.writable(root);
  if (!owner.vars.has(root)) throw workflowError('KeyError', `variable "${root}" is not defined`);
  const keys: WfValue[] = [];
  for (const p of path) keys.push('key' in p ? p.key : evaluateSync(p.index, indexScope));
  let container = owner.vars.get(root) as WfValue;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const last = i === keys.length - 1;
    if (isMap(container)) {
      const field = mapKey(key);
      if (last) {
        // A new key adds itself and its value; an existing one swaps the old value for the new.
        const delta = container.has(field)
          ? size - approximateSize(container.get(field) as WfValue)
          : approximateSize(field) + size;
        memory.ensureRoomFor(delta);
        container.set(field, value);
        memory.grow(owner, root, delta);
      } else {
        // Assigning a nested key creates the intermediate maps (syntax cheat sheet: maps).
        // They count from creation, unchecked: the check on the final write includes them.
        if (!container.has(field)) {
          const created: WfMap = new Map();
          container.set(field, created);
          memory.grow(owner, root, approximateSize(field) + approximateSize(created));
        }
        container = container.get(field) as WfValue;
      }
    } else if (isList(container)) {
      if (last) {
        const delta = size - approximateSize(indexOf(container, key));
        memory.ensureRoomFor(delta);
        container[Number(key)] = value;
        memory.grow(owner, root, delta);
      } else container = indexOf(container, key);
    } else {
      memberOf(container, String(key));
    }
  }
}
