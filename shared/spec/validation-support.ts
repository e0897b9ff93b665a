/**
 * What the cross-field checks of spec documents share: how an error names its field, and how
 * repeated values are found. The checks themselves are per document kind: validate-environment.ts,
 * validate-tenant.ts and, across documents, validate-spec-set.ts. Pure: no I/O, and every check
 * returns ALL problems it finds.
 */
import { formatPath, type SpecError } from './spec-error.js';

/** A field's path inside a document, as zod reports it. */
export type Path = ReadonlyArray<PropertyKey>;

export function specError(path: Path, rule: string, message: string): SpecError {
  return { path: formatPath(path), rule, message };
}

/** Later occurrences of repeated values, each with the index of the first one. */
export function duplicates(
  values: ReadonlyArray<string>,
): Array<{ index: number; first: number; value: string }> {
  const firstIndex = new Map<string, number>();
  const found: Array<{ index: number; first: number; value: string }> = [];
  values.forEach((value, index) => {
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else found.push({ index, first, value });
  });
  return found;
}

/**
 * Records `owner` for `key` unless the key is taken, and returns whoever held it first: the
 * first-come rule of every "already used by" check.
 */
export function claim<Key, Owner>(
  owners: Map<Key, Owner>,
  key: Key,
  owner: Owner,
): Owner | undefined {
  const first = owners.get(key);
  if (first === undefined) owners.set(key, owner);
  return first;
}
