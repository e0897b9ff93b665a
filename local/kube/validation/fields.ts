/**
 * Field errors as kube-apiserver builds them (k8s.io/apimachinery pkg/util/validation/field
 * errors.go): one `StatusCause` per error, its message `<Type>: <value>: <detail>`, and the
 * format checks of apimachinery pkg/util/validation/validation.go and
 * pkg/api/validate/content/kube.go, with their wording.
 */
import type { StatusCause } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';

/** A field path as `field.Path` prints it: `spec.template.spec.containers[0].name`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  child(...names: string[]): FieldPath {
    return new FieldPath([this.text, ...names].filter((part) => part !== '').join('.'));
  }

  index(position: number): FieldPath {
    return new FieldPath(`${this.text}[${position}]`);
  }

  /** A map key, as `field.Path.Key` prints it. */
  key(name: string): FieldPath {
    return new FieldPath(`${this.text}[${name}]`);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * A bad value as `ErrorBody` prints it: numbers and booleans bare, strings quoted, anything else
 * as JSON (kube-apiserver 1.32+; older servers printed Go's `%#v`).
 */
export function renderValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function withDetail(head: string, detail: string): string {
  return detail === '' ? head : `${head}: ${detail}`;
}

/** `field.Required`: `Required value[: detail]`. */
export function required(path: FieldPath, detail = ''): StatusCause {
  return {
    reason: 'FieldValueRequired',
    message: withDetail('Required value', detail),
    field: path.toString(),
  };
}

/** `field.Invalid`: `Invalid value: <value>: detail`. */
export function invalidValue(path: FieldPath, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    message: withDetail(`Invalid value: ${renderValue(value)}`, detail),
    field: path.toString(),
  };
}

/** `field.NotSupported`: `Unsupported value: <value>: supported values: "a", "b"`. */
export function notSupported(
  path: FieldPath,
  value: unknown,
  supported: readonly string[],
): StatusCause {
  const list = supported.map((entry) => JSON.stringify(entry)).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    message: withDetail(
      `Unsupported value: ${renderValue(value)}`,
      list === '' ? '' : `supported values: ${list}`,
    ),
    field: path.toString(),
  };
}

/** `field.Duplicate`: `Duplicate value: <value>`. */
export function duplicate(path: FieldPath, value: unknown): StatusCause {
  return {
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${renderValue(value)}`,
    field: path.toString(),
  };
}

/** `field.Forbidden`: `Forbidden: detail`. */
export function forbidden(path: FieldPath, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field: path.toString() };
}

/** `field.TooLong`: `Too long: must have at most N bytes`. */
export function tooLong(path: FieldPath, maxLength: number): StatusCause {
  return {
    reason: 'FieldValueTooLong',
    message: `Too long: must have at most ${maxLength} bytes`,
    field: path.toString(),
  };
}

/** One `field.Invalid` per message of a format check. */
export function invalidEach(path: FieldPath, value: unknown, messages: string[]): StatusCause[] {
  return messages.map((message) => invalidValue(path, value, message));
}

// --- Format checks (apimachinery pkg/util/validation/validation.go) -------------------------

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** `RegexError`: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`. */
export function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const shown = examples.map((example) => `'${example}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelRegexp = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelRegexp = new RegExp(`^${dns1035LabelFmt}$`);

/** `IsDNS1123Label`. */
export function isDNS1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLenError(63));
  if (!dns1123LabelRegexp.test(value)) {
    errors.push(
      dns1123SubdomainRegexp.test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            dns1123LabelFmt,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errors;
}

/** `IsDNS1123Subdomain`. */
export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLenError(253));
  if (!dns1123SubdomainRegexp.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFmt,
        'example.com',
      ),
    );
  }
  return errors;
}

/** `IsDNS1035Label`. */
export function isDNS1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLenError(63));
  if (!dns1035LabelRegexp.test(value)) {
    errors.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        dns1035LabelFmt,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errors;
}

/** `path.IsValidPathSegmentName` (apimachinery pkg/api/validation/path): RBAC object names. */
export function isValidPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  return ['/', '%']
    .filter((part) => value.includes(part))
    .map((part) => `may not contain '${part}'`);
}

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyRegexp = new RegExp(`^${labelKeyFmt}$`);
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`);

/** `IsQualifiedName` / `content.IsLabelKey`: label keys, annotation keys, selector keys. */
export function isQualifiedName(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...isDNS1123Subdomain(prefix).map((message) => `prefix part ${message}`));
  } else {
    return [
      `a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLenError(63)}`);
  if (!labelKeyRegexp.test(name)) {
    errors.push(
      `name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errors;
}

/** `IsValidLabelValue` / `content.IsLabelValue`. */
export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLenError(63));
  if (!labelValueRegexp.test(value)) {
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errors;
}

/** `IsValidPortNum`. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? []
    : ['must be between 1 and 65535, inclusive'];
}

/** `IsValidPortName` (an IANA_SVC_NAME). */
export function isValidPortName(port: string): string[] {
  const errors: string[] = [];
  if (port.length > 15) errors.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port))
    errors.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errors.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errors.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-'))
    errors.push('must not begin or end with a hyphen');
  return errors;
}

/** The parsed form of a CIDR, or undefined when `netutils.ParseCIDRSloppy` would refuse it. */
export interface ParsedCidr {
  family: 4 | 6;
  /** The network address as a bigint, masked. */
  network: bigint;
  prefix: number;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // ParseCIDRSloppy accepts leading zeros (read as decimal).
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined): string[] | undefined =>
    part === undefined || part === '' ? [] : part.split(':');
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Parses `a.b.c.d/n` or `x:y::z/n` as Go's `net.ParseCIDR` does (the network, masked). */
export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const v4 = address.includes(':') ? undefined : parseIPv4(address);
  const family = v4 !== undefined ? 4 : 6;
  const value = v4 ?? parseIPv6(address);
  const bits = family === 4 ? 32 : 128;
  if (value === undefined || prefix > bits) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { family, network: value & mask, prefix };
}

/** `IsValidCIDR` (legacy fields such as NetworkPolicy `ipBlock`). */
export function isValidCidr(path: FieldPath, value: string): StatusCause[] {
  return parseCidr(value)
    ? []
    : [
        invalidValue(
          path,
          value,
          'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
        ),
      ];
}

// --- Reading unstructured objects --------------------------------------------------------------

/** An object field, or an empty object when absent or of another type (the schema reports that). */
export function objectAt(parent: unknown, key: string): JsonObject {
  const value = isPlainObject(parent) ? parent[key] : undefined;
  return isPlainObject(value) ? value : {};
}

/** A list field of objects, or [] (other entries are the schema's to report). */
export function listAt(parent: unknown, key: string): JsonObject[] {
  const value = isPlainObject(parent) ? parent[key] : undefined;
  return Array.isArray(value) ? value.map((entry) => (isPlainObject(entry) ? entry : {})) : [];
}

/** A string field, or '' as Go reads an absent string. */
export function stringAt(parent: unknown, key: string): string {
  const value = isPlainObject(parent) ? parent[key] : undefined;
  return typeof value === 'string' ? value : '';
}

/** A string map (labels, selectors), or undefined when absent. */
export function stringMapAt(parent: unknown, key: string): Record<string, string> | undefined {
  const value = isPlainObject(parent) ? parent[key] : undefined;
  if (!isPlainObject(value)) return undefined;
  const map: Record<string, string> = {};
  for (const [entry, text] of Object.entries(value))
    if (typeof text === 'string') map[entry] = text;
  return map;
}

/** Whether a field is present (not absent, not null). */
export function has(parent: unknown, key: string): boolean {
  return isPlainObject(parent) && parent[key] !== undefined && parent[key] !== null;
}

/** Drops empty lists and maps, as `apiequality.Semantic.DeepEqual` equates them with nil. */
function semantic(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(semantic);
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value)
    .map(([key, entry]) => [key, semantic(entry)] as const)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/** `ValidateImmutableField`: `Invalid value: <new>: field is immutable`. */
export function immutable(next: unknown, previous: unknown, path: FieldPath): StatusCause[] {
  return JSON.stringify(semantic(next)) === JSON.stringify(semantic(previous))
    ? []
    : [invalidValue(path, next ?? null, 'field is immutable')];
}
