/**
 * The value model of the Workflows language
 * (https://cloud.google.com/workflows/docs/reference/syntax/datatypes): integers are 64-bit and
 * distinct from doubles, so integers are `bigint` and doubles are `number`; maps keep insertion
 * order and allow any string key, so they are `Map`; bytes are `Uint8Array`.
 */
export type WfValue = null | boolean | bigint | number | string | Uint8Array | WfList | WfMap;
/** A Workflows list. */
export type WfList = WfValue[];
/** A Workflows map (string keys, insertion order kept). */
export type WfMap = Map<string, WfValue>;

/** Plain JSON as it crosses the boundary of the interpreter (arguments in, results out). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether an integer still fits in 64 signed bits, the only integers Workflows has. */
export function fitsInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** True for a Workflows map. */
export function isMap(value: WfValue | undefined): value is WfMap {
  return value instanceof Map;
}

/** True for a Workflows list. */
export function isList(value: WfValue | undefined): value is WfList {
  return Array.isArray(value);
}

/** True for Workflows bytes. */
export function isBytes(value: WfValue | undefined): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** The type names `get_type` answers (expression helpers page). */
export type WfTypeName =
  'null' | 'boolean' | 'integer' | 'double' | 'string' | 'bytes' | 'list' | 'map';

/** The Workflows type name of a value. */
export function typeName(value: WfValue): WfTypeName {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'integer';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
  }
  if (isBytes(value)) return 'bytes';
  if (isList(value)) return 'list';
  return 'map';
}

/**
 * Converts plain JSON (or anything JSON.parse produced) into Workflows values. An integral JS
 * number becomes an integer: JSON text carries no int/double distinction once parsed, and
 * Workflows decodes `1` as an integer.
 */
export function fromJson(value: unknown): WfValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(fromJson);
  if (value instanceof Map) {
    const out: WfMap = new Map();
    for (const [k, v] of value) out.set(String(k), fromJson(v));
    return out;
  }
  if (typeof value === 'object') {
    const out: WfMap = new Map();
    for (const [k, v] of Object.entries(value)) out.set(k, fromJson(v));
    return out;
  }
  throw new TypeError(`cannot convert a ${typeof value} to a Workflows value`);
}

/**
 * Converts a Workflows value to plain JSON. Integers beyond 2^53 lose precision as JS numbers;
 * bytes cannot be returned by a workflow (datatypes page) and are refused by the caller first.
 */
export function toJson(value: WfValue): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (isBytes(value)) throw new TypeError('bytes cannot be converted to JSON');
  if (isList(value)) return value.map(toJson);
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of value) out[k] = toJson(v);
  return out;
}

/** Whether a value holds bytes anywhere inside it. */
export function containsBytes(value: WfValue): boolean {
  if (isBytes(value)) return true;
  if (isList(value)) return value.some(containsBytes);
  if (isMap(value)) return [...value.values()].some(containsBytes);
  return false;
}

/** Formats a double the way Workflows prints it: always with a fractional part or exponent. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/**
 * JSON text of a value (json.encode_to_string, error messages, logs). With `indent` or `prefix`,
 * every element after the first line starts a new line with `prefix` then one `indent` per level.
 */
export function encodeJson(value: WfValue, indent?: number | string, prefix = ''): string {
  const unit = typeof indent === 'number' ? ' '.repeat(indent) : (indent ?? '');
  return serialize(value, unit, prefix, prefix !== '' || unit !== '');
}

function serialize(value: WfValue, indent: string, current: string, pretty: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite doubles cannot be JSON-encoded');
    return formatDouble(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (isBytes(value)) throw new TypeError('bytes cannot be JSON-encoded');
  // `current` is the start of the current line (prefix plus indentation); the first line carries
  // no prefix, as the encoder the json.encode page describes does.
  const inner = current + indent;
  const open = pretty ? `\n${inner}` : '';
  const close = pretty ? `\n${current}` : '';
  const sep = pretty ? `,\n${inner}` : ',';
  if (isList(value)) {
    if (value.length === 0) return '[]';
    return `[${open}${value.map((v) => serialize(v, indent, inner, pretty)).join(sep)}${close}]`;
  }
  if (value.size === 0) return '{}';
  const colon = pretty ? ': ' : ':';
  const entries = [...value].map(
    ([k, v]) => `${JSON.stringify(k)}${colon}${serialize(v, indent, inner, pretty)}`,
  );
  return `{${open}${entries.join(sep)}${close}}`;
}

/** Deep equality as `==` defines it: 1 == 1.0, lists and maps compared element by element. */
export function deepEqual(a: WfValue, b: WfValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b) && numericEqual(a, b);
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return a === b;
  if (isBytes(a) || isBytes(b)) {
    if (!isBytes(a) || !isBytes(b) || a.length !== b.length) return false;
    return a.every((byte, i) => byte === b[i]);
  }
  if (isList(a) || isList(b)) {
    if (!isList(a) || !isList(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i] as WfValue));
  }
  const bm = b as WfMap;
  if (a.size !== bm.size) return false;
  for (const [k, v] of a) {
    if (!bm.has(k) || !deepEqual(v, bm.get(k) as WfValue)) return false;
  }
  return true;
}

function numericEqual(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  return true;
}

/** True for an integer or a double. */
export function isNumeric(value: WfValue | undefined): value is bigint | number {
  return typeof value === 'bigint' || typeof value === 'number';
}

/**
 * The memory a value uses, by the table of
 * https://cloud.google.com/workflows/docs/reference/syntax/variables#memory-usage: integer, double
 * and boolean 8 bytes; string, bytes and list 8 bytes plus each element (a string's elements are
 * its UTF-8 bytes: "This is a string of 28 bytes" uses 36); map 8 bytes plus each key and value.
 * Null is not in the table; it is counted like a boolean.
 */
export function approximateSize(value: WfValue): number {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? 8 + Buffer.byteLength(value, 'utf8') : 8;
  }
  if (isBytes(value)) return 8 + value.length;
  let size = 8;
  if (isList(value)) for (const item of value) size += approximateSize(item);
  else for (const [k, v] of value) size += approximateSize(k) + approximateSize(v);
  return size;
}

/** A deep copy, so that values assigned to two variables never alias (Workflows has no references). */
export function cloneValue(value: WfValue): WfValue {
  if (isList(value)) return value.map(cloneValue);
  if (isMap(value)) {
    const out: WfMap = new Map();
    for (const [k, v] of value) out.set(k, cloneValue(v));
    return out;
  }
  return value;
}
