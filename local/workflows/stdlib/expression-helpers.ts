import { workflowError } from '../errors.js';
import { fitsInt64, formatDouble, isMap, isNumeric, typeName, type WfValue } from '../values.js';
import { arg, fn, mapArg, type StdlibEntries } from './arguments.js';

/**
 * int(): "Accepts an attribute of type string or double and returns an integer"
 * (stdlib/expression-helpers). An integer passes through unchanged; a boolean, not listed, is a
 * TypeError like every other unlisted type.
 */
export function toInt(value: WfValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw workflowError('ValueError', `int: cannot convert ${value}`);
    const truncated = BigInt(Math.trunc(value));
    if (!fitsInt64(truncated)) throw workflowError('ValueError', 'int: value out of range');
    return truncated;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[+-]?\d+$/.test(text)) {
      const parsed = BigInt(text);
      if (!fitsInt64(parsed)) throw workflowError('ValueError', 'int: value out of range');
      return parsed;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return toInt(Number(text));
    throw workflowError('ValueError', `int: cannot convert "${value}" to an integer`);
  }
  throw workflowError('TypeError', `int: cannot convert a ${typeName(value)}`);
}

function toDouble(value: WfValue): number {
  if (isNumeric(value)) return Number(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
    throw workflowError('ValueError', `double: cannot convert "${value}" to a double`);
  }
  throw workflowError('TypeError', `double: cannot convert a ${typeName(value)}`);
}

function toStringValue(value: WfValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatDouble(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw workflowError('TypeError', `string: cannot convert a ${typeName(value)}`);
}

function toBool(value: WfValue): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw workflowError('ValueError', `bool: cannot convert "${value}" to a boolean`);
  }
  throw workflowError('TypeError', `bool: cannot convert a ${typeName(value)}`);
}

/** default, if, keys, len and the conversions (https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers). */
export const EXPRESSION_HELPERS: StdlibEntries = [
  [
    'default',
    fn(['value', 'default_value'], 2, ([v, d]) => (v === null ? (d ?? null) : (v ?? null))),
  ],
  [
    'if',
    // "If condition evaluates to false or null, ifFalse is returned" (expression-helpers page).
    fn(['condition', 'if_true', 'if_false'], 3, ([c, t, f]) =>
      arg('if', 'condition', c, 'boolean', 'null') === true ? (t ?? null) : (f ?? null),
    ),
  ],
  ['keys', fn(['map'], 1, ([m]) => [...mapArg('keys', 'map', m).keys()])],
  [
    'len',
    fn(['value'], 1, ([v]) => {
      const value = arg('len', 'value', v, 'string', 'list', 'map', 'bytes');
      if (typeof value === 'string') return BigInt([...value].length);
      if (isMap(value)) return BigInt(value.size);
      return BigInt((value as WfValue[] | Uint8Array).length);
    }),
  ],
  ['int', fn(['value'], 1, ([v]) => toInt(v ?? null))],
  ['double', fn(['value'], 1, ([v]) => toDouble(v ?? null))],
  ['string', fn(['value'], 1, ([v]) => toStringValue(v ?? null))],
  ['bool', fn(['value'], 1, ([v]) => toBool(v ?? null))],
  ['get_type', fn(['value'], 1, ([v]) => typeName(v ?? null))],
];
