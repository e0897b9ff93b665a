/**
 * The functions Kubernetes adds to CEL (k8s.io/apiserver/pkg/cel/library) that the Istio CRDs'
 * rules call and `@bufbuild/cel` does not provide, plus two conversions made to behave as
 * cel-go's do (Go's `time.ParseDuration` and `strconv.ParseInt` grammars, cel-go's error text):
 *
 * - `url(string)`, `isURL(string)` and the URL accessors `getScheme`, `getHost`, `getHostname`,
 *   `getPort`, `getEscapedPath`, `getQuery` (library/urls.go; parsing as Go's
 *   `url.ParseRequestURI`, which the library uses);
 * - `duration(string)` and `int(string)`, failing with cel-go's
 *   `type conversion error from 'string' to '…'`.
 *
 * A URL value is a map holding the parsed parts under a key no JSON object can carry: the
 * library has no opaque types without protobuf descriptors. `type(url(x))` is therefore `map`,
 * not `kubernetes.URL` — no bundled rule asks.
 */
import {
  celFunc,
  celMethod,
  CelScalar,
  isCelMap,
  mapType,
  objectType,
  type CelFunc,
  type CelValue,
} from '@bufbuild/cel';

const DURATION = objectType('google.protobuf.Duration');
const URL_TYPE = mapType(CelScalar.STRING, CelScalar.DYN);
const urlKey = '\u0000kubernetes.URL';

/** The parts of a parsed URL (Go's `net/url.URL`, the fields the accessors read). */
interface ParsedUrl {
  scheme: string;
  host: string;
  path: string;
  rawQuery: string;
}

const goQuote = (text: string): string => JSON.stringify(text);

function validOptionalPort(port: string): boolean {
  return port === '' || /^:\d*$/.test(port);
}

/** Go's `parseHost` and `unescape(host, encodeHost)` checks. */
function checkHost(host: string): string | undefined {
  let rest = host;
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
    rest = host.slice(1, close);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
    }
  }
  for (const char of rest) {
    if (char.charCodeAt(0) >= 0x80) continue;
    if (!/[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"%]/.test(char))
      return `invalid character ${goQuote(char)} in host name`;
  }
  return undefined;
}

function checkEscapes(text: string): string | undefined {
  const bad = /%(?![0-9A-Fa-f]{2})(.{0,2})/.exec(text);
  return bad ? `invalid URL escape ${goQuote(`%${bad[1] ?? ''}`)}` : undefined;
}

/**
 * Go's `url.ParseRequestURI` (an absolute URI or an absolute path, no fragment handling), then
 * the fragment dropped as `url.Parse` would. Returns the URL or Go's error text.
 */
export function parseRequestUri(raw: string): ParsedUrl | string {
  const fail = (reason: string): string => `parse ${goQuote(raw)}: ${reason}`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail('net/url: invalid control character in URL');
  if (raw === '') return fail('empty url');
  if (raw === '*') return { scheme: '', host: '', path: '*', rawQuery: '' };
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charAt(i);
    if (/[A-Za-z]/.test(char)) continue;
    if (/[0-9+\-.]/.test(char)) {
      if (i === 0) break;
      continue;
    }
    if (char === ':') {
      if (i === 0) return fail('missing protocol scheme');
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  let rawQuery = '';
  const question = rest.indexOf('?');
  if (question >= 0) {
    rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, host: '', path: '', rawQuery };
    return fail('invalid URI for request');
  }
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2);
    const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd);
    rest = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    const hostError = checkHost(host);
    if (hostError) return fail(hostError);
  }
  const escapeError = checkEscapes(rest);
  if (escapeError) return fail(escapeError);
  const hash = rest.indexOf('#');
  const hashInQuery = rawQuery.indexOf('#');
  return {
    scheme,
    host,
    path: hash < 0 ? rest : rest.slice(0, hash),
    rawQuery: hashInQuery < 0 ? rawQuery : rawQuery.slice(0, hashInQuery),
  };
}

function urlOf(value: CelValue): ParsedUrl {
  const parsed = isCelMap(value) ? value.get(urlKey) : undefined;
  if (parsed === undefined) throw new Error('no such overload');
  return JSON.parse(String(parsed)) as ParsedUrl;
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function portOf(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || (host.startsWith('[') && colon < host.indexOf(']'))) return '';
  return host.slice(colon + 1);
}

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5
  μs: 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's `time.ParseDuration`, in nanoseconds; undefined where Go returns an error. */
export function parseGoDuration(text: string): bigint | undefined {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest);
    if (!match) return undefined;
    const [all, whole = '', fraction, unitName = ''] = match;
    if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
    const unit = durationUnits[unitName];
    if (unit === undefined) return undefined;
    let value = BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction) value += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    total += value;
    if (total > 2n ** 63n - 1n && !(negative && total === 2n ** 63n)) return undefined;
    rest = rest.slice(all.length);
  }
  return negative ? -total : total;
}

/** The functions to add to a CEL environment, beside `@bufbuild/cel`'s strings extension. */
export const kubernetesLibrary: CelFunc[] = [
  celFunc('duration', [CelScalar.STRING], DURATION, (text) => {
    const nanos = parseGoDuration(text);
    if (nanos === undefined)
      throw new Error("type conversion error from 'string' to 'google.protobuf.Duration'");
    return {
      $typeName: 'google.protobuf.Duration',
      seconds: nanos / 1_000_000_000n,
      nanos: Number(nanos % 1_000_000_000n),
    } as never;
  }),
  celFunc('int', [CelScalar.STRING], CelScalar.INT, (text) => {
    if (!/^[+-]?\d+$/.test(text)) throw new Error("type conversion error from 'string' to 'int'");
    const value = BigInt(text);
    if (value > 2n ** 63n - 1n || value < -(2n ** 63n))
      throw new Error("type conversion error from 'string' to 'int'");
    return value;
  }),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (text) => {
    return typeof parseRequestUri(text) !== 'string';
  }),
  celFunc('url', [CelScalar.STRING], URL_TYPE, (text) => {
    const parsed = parseRequestUri(text);
    if (typeof parsed === 'string')
      throw new Error(`URL parse error during conversion from string: ${parsed}`);
    return new Map([[urlKey, JSON.stringify(parsed)]]);
  }),
  celMethod('getScheme', URL_TYPE, [], CelScalar.STRING, function () {
    return urlOf(this).scheme;
  }),
  celMethod('getHost', URL_TYPE, [], CelScalar.STRING, function () {
    return urlOf(this).host;
  }),
  celMethod('getHostname', URL_TYPE, [], CelScalar.STRING, function () {
    return hostnameOf(urlOf(this).host);
  }),
  celMethod('getPort', URL_TYPE, [], CelScalar.STRING, function () {
    return portOf(urlOf(this).host);
  }),
  celMethod('getEscapedPath', URL_TYPE, [], CelScalar.STRING, function () {
    return urlOf(this).path;
  }),
  celMethod('getQuery', URL_TYPE, [], URL_TYPE, function () {
    const query = new Map<string, string[]>();
    for (const [key, value] of new URLSearchParams(urlOf(this).rawQuery))
      query.set(key, [...(query.get(key) ?? []), value]);
    return query;
  }),
];
