import { workflowError } from '../errors.js';
import type { WfValue } from '../values.js';
import { arg, bytesOf, fn, str, type StdlibEntries } from './arguments.js';

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

/** text.* (https://cloud.google.com/workflows/docs/reference/stdlib/text). */
export const TEXT_FUNCTIONS: StdlibEntries = [
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
];
