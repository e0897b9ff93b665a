import { workflowError } from '../errors.js';
import {
  encodeJson,
  fromJson,
  isBytes,
  isMap,
  typeName,
  type WfMap,
  type WfValue,
} from '../values.js';
import { arg, bytesOf, fn, str, type StdlibEntries } from './arguments.js';

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

/** json.* and base64.* (https://cloud.google.com/workflows/docs/reference/stdlib/json, .../base64). */
export const ENCODING_FUNCTIONS: StdlibEntries = [
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
];
