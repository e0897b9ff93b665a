import { randomUUID } from 'node:crypto';
import { workflowError } from './errors.js';
import {
  cloneValue,
  encodeJson,
  fitsInt64,
  formatDouble,
  fromJson,
  isBytes,
  isList,
  isMap,
  isNumeric,
  typeName,
  type WfMap,
  type WfValue,
  type WfTypeName,
} from './values.js';

/** What a standard-library function may ask of the running execution. */
export interface StdlibEnvironment {
  /** Current time in milliseconds since the epoch (from the injected clock). */
  nowMs(): number;
  /** An environment variable (built-in or user-defined), or null. */
  getEnv(name: string): string | null;
}

/** A non-blocking standard-library function: callable from expressions and `call` steps. */
export interface StdlibFunction {
  /** Parameter names, in order: `call` steps pass arguments by these names. */
  params: string[];
  /** How many leading parameters are required. */
  required: number;
  run(args: WfValue[], env: StdlibEnvironment): WfValue;
}

function arg<T extends WfTypeName>(
  fn: string,
  name: string,
  value: WfValue | undefined,
  ...types: T[]
): WfValue {
  const actual = typeName(value ?? null);
  if (!(types as string[]).includes(actual)) {
    throw workflowError(
      'TypeError',
      `${fn}: argument "${name}" must be ${types.join(' or ')}, got ${actual}`,
    );
  }
  return value as WfValue;
}

const str = (fn: string, name: string, v: WfValue | undefined): string =>
  arg(fn, name, v, 'string') as string;

const mapArg = (fn: string, name: string, v: WfValue | undefined): WfMap =>
  arg(fn, name, v, 'map') as WfMap;

/** Go/RE2-style patterns mostly read the same in JavaScript; reject the rest as ValueError. */
function regex(fn: string, pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw workflowError(
      'ValueError',
      `${fn}: invalid regular expression: ${(err as Error).message}`,
    );
  }
}

function bytesOf(fn: string, name: string, v: WfValue | undefined): Uint8Array {
  return arg(fn, name, v, 'bytes') as Uint8Array;
}

function charset(fn: string, v: WfValue | undefined): BufferEncoding {
  const name = (v === undefined || v === null ? 'UTF-8' : str(fn, 'charset', v)).toUpperCase();
  const known: Record<string, BufferEncoding> = {
    'UTF-8': 'utf8',
    UTF8: 'utf8',
    'US-ASCII': 'ascii',
    ASCII: 'ascii',
    'ISO-8859-1': 'latin1',
    LATIN1: 'latin1',
    'UTF-16LE': 'utf16le',
  };
  const encoding = known[name];
  if (!encoding) throw workflowError('ValueError', `${fn}: unsupported charset "${name}"`);
  return encoding;
}

/**
 * int(): "Accepts an attribute of type string or double and returns an integer"
 * (stdlib/expression-helpers). An integer passes through unchanged; a boolean, not listed, is a
 * TypeError like every other unlisted type.
 */
function toInt(value: WfValue): bigint {
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

function mergeNested(first: WfMap, second: WfMap): WfMap {
  const out = cloneValue(first) as WfMap;
  for (const [k, v] of second) {
    const existing = out.get(k);
    out.set(k, isMap(existing) && isMap(v) ? mergeNested(existing, v) : cloneValue(v));
  }
  return out;
}

/**
 * Decodes JSON text into Workflows values. JSON.parse on Node 20 cannot show the source text of
 * a number, so an integral number (even written `2.0`) decodes as an integer.
 */
export function decodeJsonText(text: string): WfValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw workflowError('ValueError', `json.decode: ${(err as Error).message}`);
  }
  return fromJson(parsed);
}

/** RFC 3339 with microseconds, as time.format prints (stdlib/time/format). */
function formatTime(seconds: number, timezone: string | null): string {
  const ms = Math.floor(seconds * 1000);
  const micros = Math.round(((seconds * 1e6) % 1e6) + 1e6) % 1e6;
  let offsetMinutes = 0;
  if (timezone !== null && timezone !== 'UTC' && timezone !== 'Z' && timezone !== 'Etc/UTC') {
    offsetMinutes = zoneOffsetMinutes(ms, timezone);
  }
  const shifted = new Date(ms + offsetMinutes * 60_000);
  const base = shifted.toISOString().slice(0, 19);
  const fraction = String(micros).padStart(6, '0');
  if (offsetMinutes === 0) return `${base}.${fraction}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${base}.${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function zoneOffsetMinutes(ms: number, timezone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(ms));
  } catch {
    throw workflowError('ValueError', `time.format: unknown time zone "${timezone}"`);
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
}

function parseTime(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!match)
    throw workflowError('ValueError', `time.parse: "${value}" is not an RFC 3339 timestamp`);
  const wholeMs = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(wholeMs))
    throw workflowError('ValueError', `time.parse: invalid timestamp "${value}"`);
  const fraction = match[2] ? Number(`0${match[2]}`) : 0;
  return wholeMs / 1000 + fraction;
}

function urlEncode(source: string, plus: boolean): string {
  // Unreserved characters of RFC 3986 stay as they are; everything else is percent-encoded.
  const encoded = [...new TextEncoder().encode(source)]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (plus && c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return encoded;
}

function find(fn: string, source: string, pattern: RegExp): WfValue {
  const out: WfValue[] = [];
  for (const m of source.matchAll(pattern)) {
    out.push(
      new Map<string, WfValue>([
        ['index', BigInt(m.index)],
        ['match', m[0]],
      ]),
    );
    void fn;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mathArgs(fn: string, args: WfValue[]): Array<bigint | number> {
  return args.map(
    (a, i) => arg(fn, ['x', 'y'][i] ?? 'x', a, 'integer', 'double') as bigint | number,
  );
}

const fn = (params: string[], required: number, run: StdlibFunction['run']): StdlibFunction => ({
  params,
  required,
  run,
});

/**
 * The non-blocking standard library and expression helpers
 * (https://cloud.google.com/workflows/docs/reference/stdlib/overview,
 * https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers).
 */
export const STDLIB: ReadonlyMap<string, StdlibFunction> = new Map<string, StdlibFunction>([
  // Expression helpers
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
  // map
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
  // list
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
  // text
  [
    'text.find_all',
    fn(['source', 'substr'], 2, ([s, sub]) =>
      find(
        'text.find_all',
        str('text.find_all', 'source', s),
        new RegExp(escapeRegExp(str('text.find_all', 'substr', sub)), 'g'),
      ),
    ),
  ],
  [
    'text.find_all_regex',
    fn(['source', 'regexp'], 2, ([s, r]) =>
      find(
        'text.find_all_regex',
        str('text.find_all_regex', 'source', s),
        regex('text.find_all_regex', str('text.find_all_regex', 'regexp', r), 'g'),
      ),
    ),
  ],
  [
    'text.match_regex',
    fn(['source', 'regexp'], 2, ([s, r]) =>
      regex('text.match_regex', str('text.match_regex', 'regexp', r)).test(
        str('text.match_regex', 'source', s),
      ),
    ),
  ],
  [
    'text.split',
    fn(['source', 'separator'], 2, ([s, sep]) =>
      str('text.split', 'source', s).split(str('text.split', 'separator', sep)),
    ),
  ],
  [
    'text.replace_all',
    fn(['source', 'substr', 'repl'], 3, ([s, sub, r]) =>
      str('text.replace_all', 'source', s)
        .split(str('text.replace_all', 'substr', sub))
        .join(str('text.replace_all', 'repl', r)),
    ),
  ],
  [
    'text.replace_all_regex',
    fn(['source', 'regexp', 'repl'], 3, ([s, r, rep]) => {
      // RE2 replacement syntax: \0..\9 name capture groups; JavaScript spells them $&, $1..$9.
      const replacement = str('text.replace_all_regex', 'repl', rep)
        .replace(/\$/g, '$$$$')
        .replace(/\\([0-9])/g, (_m, d: string) => (d === '0' ? '$&' : `$${d}`));
      return str('text.replace_all_regex', 'source', s).replace(
        regex('text.replace_all_regex', str('text.replace_all_regex', 'regexp', r), 'g'),
        replacement,
      );
    }),
  ],
  [
    'text.substring',
    fn(['source', 'start', 'end'], 3, ([s, a, b]) => {
      const chars = [...str('text.substring', 'source', s)];
      const clamp = (v: WfValue | undefined, name: string): number =>
        Math.min(Math.max(Number(arg('text.substring', name, v, 'integer')), 0), chars.length);
      const start = clamp(a, 'start');
      const end = clamp(b, 'end');
      return start >= end ? '' : chars.slice(start, end).join('');
    }),
  ],
  ['text.to_lower', fn(['source'], 1, ([s]) => str('text.to_lower', 'source', s).toLowerCase())],
  ['text.to_upper', fn(['source'], 1, ([s]) => str('text.to_upper', 'source', s).toUpperCase())],
  [
    'text.url_encode',
    fn(['source'], 1, ([s]) => urlEncode(str('text.url_encode', 'source', s), false)),
  ],
  [
    'text.url_encode_plus',
    fn(['source'], 1, ([s]) => urlEncode(str('text.url_encode_plus', 'source', s), true)),
  ],
  [
    'text.url_decode',
    fn(['source'], 1, ([s]) => {
      try {
        return decodeURIComponent(str('text.url_decode', 'source', s).replace(/\+/g, ' '));
      } catch {
        throw workflowError('ValueError', 'text.url_decode: malformed percent-encoding');
      }
    }),
  ],
  [
    'text.decode',
    fn(['data', 'charset'], 1, ([d, c]) =>
      Buffer.from(bytesOf('text.decode', 'data', d)).toString(charset('text.decode', c)),
    ),
  ],
  [
    'text.encode',
    fn(
      ['text', 'charset'],
      1,
      ([t, c]) =>
        new Uint8Array(Buffer.from(str('text.encode', 'text', t), charset('text.encode', c))),
    ),
  ],
  // json
  [
    'json.encode',
    fn(['data', 'indent'], 1, ([d, i]) =>
      new TextEncoder().encode(jsonEncode('json.encode', d ?? null, i)),
    ),
  ],
  [
    'json.encode_to_string',
    fn(['data', 'indent'], 1, ([d, i]) => jsonEncode('json.encode_to_string', d ?? null, i)),
  ],
  [
    'json.decode',
    fn(['data'], 1, ([d]) => {
      const data = arg('json.decode', 'data', d, 'bytes', 'string');
      return decodeJsonText(isBytes(data) ? new TextDecoder().decode(data) : (data as string));
    }),
  ],
  // base64
  [
    'base64.encode',
    fn(['data', 'padding'], 1, ([d, p]) => {
      const text = Buffer.from(bytesOf('base64.encode', 'data', d)).toString('base64');
      return p === false ? text.replace(/=+$/, '') : text;
    }),
  ],
  [
    'base64.decode',
    fn(['data', 'padding'], 1, ([d]) => {
      const text = str('base64.decode', 'data', d);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
        throw workflowError('ValueError', 'base64.decode: invalid base64 text');
      return new Uint8Array(Buffer.from(text, 'base64'));
    }),
  ],
  // math
  [
    'math.abs',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.abs', args);
      return typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x!);
    }),
  ],
  [
    'math.floor',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.floor', args);
      return typeof x === 'bigint' ? x : toInt(Math.floor(x!));
    }),
  ],
  [
    'math.sqrt',
    fn(['x'], 1, (args) => {
      const [x] = mathArgs('math.sqrt', args);
      if (Number(x) < 0) throw workflowError('ValueError', 'math.sqrt: negative argument');
      return Math.sqrt(Number(x));
    }),
  ],
  [
    'math.max',
    fn(['x', 'y'], 2, (args) => {
      const [x, y] = mathArgs('math.max', args);
      return Number(x) >= Number(y) ? x! : y!;
    }),
  ],
  [
    'math.min',
    fn(['x', 'y'], 2, (args) => {
      const [x, y] = mathArgs('math.min', args);
      return Number(x) <= Number(y) ? x! : y!;
    }),
  ],
  // time
  [
    'time.format',
    fn(['seconds', 'timezone'], 1, ([s, tz]) =>
      formatTime(
        Number(arg('time.format', 'seconds', s, 'integer', 'double')),
        tz === undefined || tz === null ? null : str('time.format', 'timezone', tz),
      ),
    ),
  ],
  ['time.parse', fn(['value'], 1, ([v]) => parseTime(str('time.parse', 'value', v)))],
  // uuid, sys
  ['uuid.generate', fn([], 0, () => randomUUID())],
  ['sys.now', fn([], 0, (_a, env) => env.nowMs() / 1000)],
  [
    'sys.get_env',
    fn(
      ['name', 'default'],
      1,
      // TypeError "if either name or default is not a string" (stdlib/sys/get_env); an unset
      // variable without a default is null.
      ([n, d], env) =>
        env.getEnv(str('sys.get_env', 'name', n)) ??
        (d === undefined ? null : str('sys.get_env', 'default', d)),
    ),
  ],
  // retry predicates usable as functions too (stdlib/retry)
  ['retry.always', fn(['e'], 1, () => true)],
  ['retry.never', fn(['e'], 1, () => false)],
  ['http.default_retry_predicate', fn(['e'], 1, ([e]) => defaultRetryPredicate(e ?? null, true))],
  [
    'http.default_retry_predicate_non_idempotent',
    fn(['e'], 1, ([e]) => defaultRetryPredicate(e ?? null, false)),
  ],
]);

/**
 * json.encode / json.encode_to_string. `indent` "must be either a boolean, or a dictionary with
 * two optional string attributes: prefix (defaulting to an empty string), and indent (defaulting
 * to four spaces)"; data that cannot be JSON-encoded (bytes) raises ValueError (stdlib/json/encode).
 */
function jsonEncode(fnName: string, data: WfValue, indent: WfValue | undefined): string {
  let unit = '';
  let prefix = '';
  if (indent === true) unit = '    ';
  else if (isMap(indent ?? null)) {
    const options = indent as WfMap;
    for (const key of options.keys()) {
      if (key !== 'prefix' && key !== 'indent')
        throw workflowError('TypeError', `${fnName}: "indent" has no attribute "${key}"`);
    }
    const option = (name: string, fallback: string): string =>
      options.has(name) ? str(fnName, `indent.${name}`, options.get(name) ?? null) : fallback;
    prefix = option('prefix', '');
    unit = option('indent', '    ');
  } else if (indent !== undefined && indent !== null && indent !== false) {
    throw workflowError(
      'TypeError',
      `${fnName}: "indent" must be a boolean or a map with "prefix" and "indent", got ${typeName(indent)}`,
    );
  }
  try {
    return encodeJson(data, unit, prefix);
  } catch (err) {
    if (err instanceof TypeError) throw workflowError('ValueError', `${fnName}: ${err.message}`);
    throw err;
  }
}

/**
 * http.default_retry_predicate: 429, 502, 503, 504, ConnectionError, ConnectionFailedError and
 * TimeoutError; the non-idempotent variant: 429, 503 and ConnectionFailedError
 * (https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate,
 * https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate_non_idempotent).
 */
export function defaultRetryPredicate(error: WfValue, idempotent: boolean): boolean {
  if (!isMap(error)) return false;
  const tags = error.get('tags');
  const tagList = isList(tags) ? tags : [];
  const code = error.get('code');
  const retriedCodes = idempotent ? [429n, 502n, 503n, 504n] : [429n, 503n];
  if (tagList.includes('HttpError') && typeof code === 'bigint') return retriedCodes.includes(code);
  // The non-idempotent variant still retries a connection that was never established: the
  // request cannot have reached the target (default_retry_predicate_non_idempotent page).
  const retriedTags = idempotent
    ? ['ConnectionError', 'ConnectionFailedError', 'TimeoutError']
    : ['ConnectionFailedError'];
  return retriedTags.some((t) => tagList.includes(t));
}
