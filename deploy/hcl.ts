/**
 * Terraform files as blocks with labels, attributes and nested blocks, read with HashiCorp's own
 * HCL parser (hcl/v2 compiled to WebAssembly: `@cdktf/hcl2json`). The parser answers in
 * Terraform's JSON syntax; this module turns that back into blocks, and keeps apart what the
 * coverage check must tell apart: a literal string, an expression (a reference such as
 * `google_pubsub_topic.foo.id`), and a template that interpolates (`"a-${var.b}"`).
 */

/**
 * An attribute value: a literal string; a template with interpolations (its text, as written
 * between the quotes); a list; an object; or any other expression's source text (a reference,
 * a function call, a number, `true`, `null`).
 */
export type HclValue =
  | { kind: 'string'; value: string }
  | { kind: 'template'; text: string }
  | { kind: 'list'; items: HclValue[] }
  | { kind: 'object'; attributes: Record<string, HclValue> }
  | { kind: 'raw'; text: string };

/** A block: `type "label" ... { attributes and blocks }`. */
export interface HclBlock {
  type: string;
  labels: string[];
  attributes: Record<string, HclValue>;
  blocks: HclBlock[];
}

/**
 * How many labels each block type takes. The JSON syntax nests labelled blocks as objects keyed
 * by label, which reads the same as an object-valued attribute; Terraform tells them apart by
 * schema, and so must we. Top level: every Terraform block type (anything else is an error).
 */
const TOP_LEVEL_LABELS: Readonly<Record<string, number>> = {
  resource: 2,
  data: 2,
  ephemeral: 2,
  variable: 1,
  output: 1,
  module: 1,
  provider: 1,
  check: 1,
  locals: 0,
  terraform: 0,
  moved: 0,
  import: 0,
  removed: 0,
};

/** Nested block types that take a label; every other nested block takes none. */
const NESTED_LABELS: Readonly<Record<string, number>> = {
  provisioner: 1,
  dynamic: 1,
  backend: 1,
};

/** The part of `@cdktf/hcl2json` used here. */
interface Hcl2Json {
  /** Terraform's JSON syntax of a file; rejects with `parse config: [file:line,col: ...]`. */
  parse(file: string, text: string): Promise<unknown>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for the JSON shape of unlabelled blocks: a non-empty array of objects. An attribute
 * whose value is a list of objects (`x = [{ a = 1 }]`) has the same shape and reads as blocks;
 * Terraform resolves that by provider schema, which is not available here (infra/ has none).
 */
function isBlockList(value: Json | undefined): value is { [key: string]: Json }[] {
  return Array.isArray(value) && value.length > 0 && value.every(isObject);
}

/** The index just past the `}` closing the interpolation whose body starts at `start`. */
function endOfInterpolation(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') i = endOfQuoted(text, i + 1);
    else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      if (depth === 0) return i + 1;
      depth--;
      i++;
    } else i++;
  }
  return text.length;
}

/** The index just past the `"` closing a quoted string (inside an interpolation) at `start`. */
function endOfQuoted(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if ((c === '$' || c === '%') && text[i + 1] === '{')
      i = endOfInterpolation(text, i + 2); // a template nested in a string of the expression
    else i++;
  }
  return text.length;
}

/** Drops the escapes of the JSON syntax: `$${` and `%%{` stand for a literal `${` and `%{`. */
function unescapeTemplate(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

function stringValue(text: string): HclValue {
  // The parser writes any expression that is not a static value as "${<source text>}".
  if (text.startsWith('${') && endOfInterpolation(text, 2) === text.length) {
    return { kind: 'raw', text: text.slice(2, -1) };
  }
  const withoutEscapes = text.replace(/\$\$\{|%%\{/g, '');
  if (/[$%]\{/.test(withoutEscapes)) return { kind: 'template', text };
  return { kind: 'string', value: unescapeTemplate(text) };
}

function valueOf(json: Json): HclValue {
  if (typeof json === 'string') return stringValue(json);
  if (Array.isArray(json)) return { kind: 'list', items: json.map(valueOf) };
  if (isObject(json)) {
    return {
      kind: 'object',
      attributes: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, valueOf(v)])),
    };
  }
  return { kind: 'raw', text: String(json) };
}

/** The blocks of one type, unnesting `labelCount` levels of objects keyed by label. */
function blocksOf(
  type: string,
  json: Json,
  labelCount: number,
  file: string,
  labels: string[] = [],
): HclBlock[] {
  if (labelCount === 0) {
    if (!isBlockList(json)) throw new Error(`${file}: ${type} is not a block`);
    return json.map((body) => ({ type, labels, ...bodyOf(body, file) }));
  }
  if (!isObject(json)) throw new Error(`${file}: ${type} block without its labels`);
  return Object.entries(json).flatMap(([label, inner]) =>
    blocksOf(type, inner, labelCount - 1, file, [...labels, label]),
  );
}

function bodyOf(
  json: { [key: string]: Json },
  file: string,
): Pick<HclBlock, 'attributes' | 'blocks'> {
  const attributes: Record<string, HclValue> = {};
  const blocks: HclBlock[] = [];
  for (const [key, value] of Object.entries(json)) {
    const labelCount = NESTED_LABELS[key] ?? 0;
    if (labelCount > 0 && isObject(value)) blocks.push(...blocksOf(key, value, labelCount, file));
    else if (isBlockList(value)) blocks.push(...blocksOf(key, value, 0, file));
    else attributes[key] = valueOf(value);
  }
  return { attributes, blocks };
}

/**
 * Parses one HCL file's top-level blocks. Rejects, naming the file (and the line, for syntax
 * errors), what Terraform would not read: a syntax error, an attribute outside any block, an
 * unknown top-level block type. Blocks come grouped by type (the parser's JSON sorts them), in
 * source order within a type and label.
 */
export async function parseHcl(text: string, file = 'input.tf'): Promise<HclBlock[]> {
  // Loaded on first use: the parser instantiates its WebAssembly module when imported, and only
  // the coverage check reads Terraform. The specifier is a variable so that TypeScript does not
  // load the package's typings, whose `/// <reference lib="dom" />` would swap Node's fetch
  // types for the DOM's across the whole program.
  const specifier = '@cdktf/hcl2json';
  const { parse } = (await import(specifier)) as Hcl2Json;
  let json: Json;
  try {
    json = (await parse(file, text)) as Json;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/^parse config: \[/, '')
      .replace(/\]$/, '');
    throw new Error(message.includes(file) ? message : `${file}: ${message}`, { cause: error });
  }
  if (!isObject(json)) throw new Error(`${file}: the parser returned no body`);
  return Object.entries(json).flatMap(([type, value]) => {
    const labelCount = TOP_LEVEL_LABELS[type];
    if (labelCount === undefined) {
      throw new Error(
        `${file}: ${type} is not a Terraform block type (an attribute outside any block?)`,
      );
    }
    return blocksOf(type, value, labelCount, file);
  });
}

/** The value of an attribute that is a literal string, or undefined (absent, or not a literal). */
export function stringAttribute(
  block: Pick<HclBlock, 'attributes'>,
  name: string,
): string | undefined {
  const value = block.attributes[name];
  return value?.kind === 'string' ? value.value : undefined;
}

/**
 * The text of an attribute: a literal string's value, a template's text, an expression's source
 * text (`google_pubsub_topic.foo.id`, `10`); a list or object as JSON.
 */
export function attributeText(
  block: Pick<HclBlock, 'attributes'>,
  name: string,
): string | undefined {
  const value = block.attributes[name];
  if (!value) return undefined;
  if (value.kind === 'string') return value.value;
  if (value.kind === 'raw' || value.kind === 'template') return value.text;
  return JSON.stringify(value);
}

/** Every block, nested ones included, depth first. */
export function allBlocks(blocks: readonly HclBlock[]): HclBlock[] {
  return blocks.flatMap((b) => [b, ...allBlocks(b.blocks)]);
}
