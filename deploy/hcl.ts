/**
 * A small reader of HCL (Terraform) block structure: blocks with labels, attributes, and the
 * values the coverage test needs (strings, lists, objects); any other expression is kept as its
 * raw text. Not a full HCL parser: no heredocs, no template directives.
 */

/** An attribute value: a string literal, a list, an object, or a raw expression's text. */
export type HclValue =
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: HclValue[] }
  | { kind: 'object'; attributes: Record<string, HclValue> }
  | { kind: 'raw'; text: string };

/** A block: `type "label" ... { attributes and blocks }`. */
export interface HclBlock {
  type: string;
  labels: string[];
  attributes: Record<string, HclValue>;
  blocks: HclBlock[];
  /** 1-based line of the block's type word. */
  line: number;
}

type Token =
  | { t: 'string'; value: string; line: number }
  | { t: 'punct'; value: string; line: number }
  | { t: 'newline'; line: number }
  | { t: 'word'; value: string; line: number };

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      tokens.push({ t: 'newline', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`${file}:${line}: unterminated /* comment`);
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 2;
    } else if (c === '"') {
      // Interpolations may hold quotes of their own: track ${ ... } nesting.
      let j = i + 1;
      let value = '';
      let depth = 0;
      while (j < text.length) {
        const d = text[j]!;
        if (d === '\\' && depth === 0) {
          value += text.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (d === '\n') throw new Error(`${file}:${line}: unterminated string`);
        if (d === '$' && text[j + 1] === '{') depth++;
        else if (d === '}' && depth > 0) depth--;
        else if (d === '"' && depth === 0) break;
        value += d;
        j++;
      }
      if (j >= text.length) throw new Error(`${file}:${line}: unterminated string`);
      tokens.push({ t: 'string', value: value.replace(/\\"/g, '"').replace(/\\\\/g, '\\'), line });
      i = j + 1;
    } else if (c === '<' && text[i + 1] === '<') {
      throw new Error(`${file}:${line}: heredocs are not supported by this reader`);
    } else if (
      '{}[]()=,:'.includes(c) &&
      !(c === '=' && (text[i + 1] === '=' || text[i + 1] === '>'))
    ) {
      tokens.push({ t: 'punct', value: c, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{}[\]()=,:"#]/.test(text[j]!)) j++;
      if (j === i) j++; // an operator such as == or => stays one word
      if (text.slice(j, j + 1) === '=' && ['=', '!', '<', '>'].includes(text[j - 1]!)) j++;
      tokens.push({ t: 'word', value: text.slice(i, j), line });
      i = j;
    }
  }
  return tokens;
}

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private fail(message: string): never {
    throw new Error(`${this.file}:${this.peek()?.line ?? '?'}: ${message}`);
  }

  body(closing: boolean): Pick<HclBlock, 'attributes' | 'blocks'> {
    const attributes: Record<string, HclValue> = {};
    const blocks: HclBlock[] = [];
    for (;;) {
      const token = this.peek();
      if (!token) {
        if (closing) this.fail('missing }');
        return { attributes, blocks };
      }
      if (token.t === 'newline') {
        this.pos++;
        continue;
      }
      if (token.t === 'punct' && token.value === '}') {
        if (!closing) this.fail('unexpected }');
        this.pos++;
        return { attributes, blocks };
      }
      if (token.t !== 'word')
        this.fail(`expected an attribute or block name, found ${JSON.stringify(token)}`);
      this.pos++;
      const next = this.peek();
      if (next?.t === 'punct' && next.value === '=') {
        this.pos++;
        attributes[token.value] = this.expression();
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        const label = this.peek();
        if (label?.t === 'string' || label?.t === 'word') {
          labels.push(label.value);
          this.pos++;
        } else break;
      }
      const open = this.peek();
      if (!(open?.t === 'punct' && open.value === '{'))
        this.fail(`expected { after ${token.value}`);
      this.pos++;
      blocks.push({ type: token.value, labels, ...this.body(true), line: token.line });
    }
  }

  /** The tokens of one expression: up to a newline, comma or closer at depth 0. */
  private expressionTokens(): Token[] {
    const taken: Token[] = [];
    const stack: string[] = [];
    for (;;) {
      const token = this.peek();
      if (!token) break;
      if (stack.length === 0) {
        if (token.t === 'newline' && taken.length > 0) break;
        if (
          token.t === 'punct' &&
          (token.value === ',' || token.value === '}' || token.value === ']')
        )
          break;
      }
      if (token.t === 'punct' && OPEN[token.value]) stack.push(OPEN[token.value]!);
      else if (token.t === 'punct' && stack.length > 0 && token.value === stack[stack.length - 1])
        stack.pop();
      if (!(token.t === 'newline' && taken.length === 0)) taken.push(token);
      this.pos++;
    }
    return taken;
  }

  /** List items, separated by commas or newlines. */
  items(): HclValue[] {
    const values: HclValue[] = [];
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos]!;
      if (token.t === 'newline' || (token.t === 'punct' && token.value === ',')) {
        this.pos++;
        continue;
      }
      values.push(interpret(this.expressionTokens(), this.file));
    }
    return values;
  }

  /** Object members `key = value` (or `key: value`), separated by commas or newlines. */
  objectAttributes(): Record<string, HclValue> {
    const attributes: Record<string, HclValue> = {};
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos]!;
      if (token.t === 'newline' || (token.t === 'punct' && token.value === ',')) {
        this.pos++;
        continue;
      }
      const key = token.t === 'string' || token.t === 'word' ? token.value : undefined;
      const eq = this.tokens[this.pos + 1];
      if (key === undefined || !(eq?.t === 'punct' && (eq.value === '=' || eq.value === ':'))) {
        throw new Error(`${this.file}:${token.line}: expected key = value in an object`);
      }
      this.pos += 2;
      attributes[key] = interpret(this.expressionTokens(), this.file);
    }
    return attributes;
  }

  private expression(): HclValue {
    const tokens = this.expressionTokens();
    return interpret(tokens, this.file);
  }
}

function rawText(tokens: Token[]): string {
  return tokens
    .map((t) => (t.t === 'newline' ? '' : t.t === 'string' ? JSON.stringify(t.value) : t.value))
    .filter(Boolean)
    .join(' ');
}

function interpret(tokens: Token[], file: string): HclValue {
  const meaningful = tokens.filter((t) => t.t !== 'newline');
  const first = meaningful[0];
  const last = meaningful[meaningful.length - 1];
  if (meaningful.length === 1 && first?.t === 'string')
    return { kind: 'string', value: first.value };
  const isWord = (t: Token | undefined, v: string) => t?.t === 'word' && t.value === v;
  if (
    first?.t === 'punct' &&
    first.value === '[' &&
    last?.t === 'punct' &&
    last.value === ']' &&
    !isWord(meaningful[1], 'for')
  ) {
    const inner = new Parser(
      tokens.slice(tokens.indexOf(first) + 1, tokens.lastIndexOf(last)),
      file,
    );
    return { kind: 'list', items: inner.items() };
  }
  if (
    first?.t === 'punct' &&
    first.value === '{' &&
    last?.t === 'punct' &&
    last.value === '}' &&
    !isWord(meaningful[1], 'for')
  ) {
    const inner = new Parser(
      tokens.slice(tokens.indexOf(first) + 1, tokens.lastIndexOf(last)),
      file,
    );
    return { kind: 'object', attributes: inner.objectAttributes() };
  }
  return { kind: 'raw', text: rawText(tokens) };
}

/** Parses one HCL file's top-level blocks (throws with file:line on what it cannot read). */
export function parseHcl(text: string, file = 'input.tf'): HclBlock[] {
  const parser = new Parser(tokenize(text, file), file);
  const { attributes, blocks } = parser.body(false);
  const stray = Object.keys(attributes);
  if (stray.length > 0) throw new Error(`${file}: attribute ${stray[0]} outside any block`);
  return blocks;
}

/** The string value of an attribute, or undefined when absent or not a literal. */
export function stringAttribute(
  block: Pick<HclBlock, 'attributes'>,
  name: string,
): string | undefined {
  const value = block.attributes[name];
  return value?.kind === 'string' ? value.value : undefined;
}

/** The text of an attribute of any kind: a string's value, or a raw expression's text. */
export function attributeText(
  block: Pick<HclBlock, 'attributes'>,
  name: string,
): string | undefined {
  const value = block.attributes[name];
  if (!value) return undefined;
  if (value.kind === 'string') return value.value;
  if (value.kind === 'raw') return value.text;
  return JSON.stringify(value);
}

/** Every block, nested ones included, depth first. */
export function allBlocks(blocks: readonly HclBlock[]): HclBlock[] {
  return blocks.flatMap((b) => [b, ...allBlocks(b.blocks)]);
}
