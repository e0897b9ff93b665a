/**
 * Tokenizer and Pratt parser of Workflows expressions (the text inside `${...}`), with the
 * precedence table of https://cloud.google.com/workflows/docs/reference/syntax/datatypes
 * ("Order of operations"): `.` `[]` > `not` > unary `-` > `* / // %` > `+ -` >
 * `< <= >= > == != in` > `and` > `or`.
 */

/** A parsed expression. */
export type Expr =
  | { kind: 'literal'; value: null | boolean | bigint | number | string }
  | { kind: 'variable'; name: string }
  | { kind: 'member'; object: Expr; name: string }
  | { kind: 'index'; object: Expr; index: Expr }
  | { kind: 'unary'; op: '-' | 'not'; operand: Expr }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'map'; entries: Array<[Expr, Expr]> }
  | { kind: 'call'; callee: string; args: Expr[] };

/** Binary operators of the language. */
export type BinaryOperator =
  'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '//' | '%';

/** A syntax error in an expression, with the 0-based column inside the expression text. */
export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

type Token =
  | { type: 'number'; value: bigint | number; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'ident'; value: string; pos: number }
  | { type: 'punct'; value: string; pos: number }
  | { type: 'eof'; value: ''; pos: number };

const PUNCTUATION = [
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
];

/** Logical operators and literals may be lower-case or upper-case, but not mixed (datatypes page). */
function keyword(word: string): string | undefined {
  const lower = word.toLowerCase();
  if (
    ['and', 'or', 'not', 'in'].includes(lower) &&
    (word === lower || word === word.toUpperCase())
  ) {
    return lower;
  }
  if (['true', 'false'].includes(lower)) {
    const title = lower[0]!.toUpperCase() + lower.slice(1);
    if (word === lower || word === title || word === word.toUpperCase()) return lower;
  }
  if (word === 'null') return 'null';
  return undefined;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      const raw = match[0];
      tokens.push({
        type: 'number',
        value: match[1] || match[2] ? Number(raw) : BigInt(raw),
        pos: i,
      });
      i += raw.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionSyntaxError('unterminated string literal', start);
        const c = text[i]!;
        if (c === ch) {
          i++;
          break;
        }
        if (c === '\\') {
          const next = text[i + 1];
          const escapes: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '\\': '\\',
            '"': '"',
            "'": "'",
            '/': '/',
            b: '\b',
            f: '\f',
          };
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          if (next === undefined || !(next in escapes)) {
            throw new ExpressionSyntaxError(`invalid escape sequence \\${next ?? ''}`, i);
          }
          value += escapes[next];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const raw = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ type: 'ident', value: raw, pos: i });
      i += raw.length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (!punct) throw new ExpressionSyntaxError(`unexpected character "${ch}"`, i);
    tokens.push({ type: 'punct', value: punct, pos: i });
    i += punct.length;
  }
  tokens.push({ type: 'eof', value: '', pos: text.length });
  return tokens;
}

const INFIX_POWER: Record<string, number> = {
  or: 10,
  and: 20,
  '==': 30,
  '!=': 30,
  '<': 30,
  '<=': 30,
  '>': 30,
  '>=': 30,
  in: 30,
  '+': 40,
  '-': 40,
  '*': 50,
  '/': 50,
  '//': 50,
  '%': 50,
};
const UNARY_MINUS_POWER = 60;
const NOT_POWER = 70;
const POSTFIX_POWER = 80;

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.type === 'punct' && t.value === value;
  }

  private expectPunct(value: string): void {
    const t = this.next();
    if (t.type !== 'punct' || t.value !== value) {
      throw new ExpressionSyntaxError(`expected "${value}" but found ${describe(t)}`, t.pos);
    }
  }

  parseAll(): Expr {
    const expr = this.parse(0);
    const t = this.peek();
    if (t.type !== 'eof') throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos);
    return expr;
  }

  private infixOperator(): BinaryOperator | undefined {
    const t = this.peek();
    if (t.type === 'punct' && t.value in INFIX_POWER) return t.value as BinaryOperator;
    if (t.type === 'ident') {
      const kw = keyword(t.value);
      if (kw === 'and' || kw === 'or' || kw === 'in') return kw;
    }
    return undefined;
  }

  parse(minPower: number): Expr {
    let left = this.prefix();
    for (;;) {
      if (this.isPunct('.') || this.isPunct('[') || this.isPunct('(')) {
        if (POSTFIX_POWER < minPower) break;
        left = this.postfix(left);
        continue;
      }
      const op = this.infixOperator();
      if (!op) break;
      const power = INFIX_POWER[op]!;
      if (power <= minPower) break;
      this.next();
      const right = this.parse(power);
      left = { kind: 'binary', op, left, right };
    }
    return left;
  }

  private postfix(left: Expr): Expr {
    const t = this.next();
    if (t.value === '.') {
      const name = this.next();
      if (name.type !== 'ident') {
        throw new ExpressionSyntaxError(
          `expected a field name after "." but found ${describe(name)}`,
          name.pos,
        );
      }
      return { kind: 'member', object: left, name: name.value };
    }
    if (t.value === '[') {
      const index = this.parse(0);
      this.expectPunct(']');
      return { kind: 'index', object: left, index };
    }
    // A call: only a dotted name can be called (functions are not values in Workflows).
    const callee = dottedName(left);
    if (callee === undefined)
      throw new ExpressionSyntaxError('only named functions can be called', t.pos);
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parse(0));
        if (this.isPunct(',')) {
          this.next();
          continue;
        }
        break;
      }
    }
    this.expectPunct(')');
    return { kind: 'call', callee, args };
  }

  private prefix(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: t.value };
      case 'eof':
        throw new ExpressionSyntaxError('unexpected end of expression', t.pos);
      case 'ident': {
        const kw = keyword(t.value);
        if (kw === 'true' || kw === 'false') return { kind: 'literal', value: kw === 'true' };
        if (kw === 'null') return { kind: 'literal', value: null };
        if (kw === 'not') return { kind: 'unary', op: 'not', operand: this.parse(NOT_POWER) };
        if (kw !== undefined)
          throw new ExpressionSyntaxError(`unexpected operator "${t.value}"`, t.pos);
        return { kind: 'variable', name: t.value };
      }
      case 'punct':
        break;
    }
    if (t.value === '-') return { kind: 'unary', op: '-', operand: this.parse(UNARY_MINUS_POWER) };
    if (t.value === '(') {
      const inner = this.parse(0);
      this.expectPunct(')');
      return inner;
    }
    if (t.value === '[') {
      const items: Expr[] = [];
      while (!this.isPunct(']')) {
        items.push(this.parse(0));
        if (!this.isPunct(',')) break;
        this.next();
      }
      this.expectPunct(']');
      return { kind: 'list', items };
    }
    if (t.value === '{') {
      const entries: Array<[Expr, Expr]> = [];
      while (!this.isPunct('}')) {
        const key = this.parse(0);
        this.expectPunct(':');
        entries.push([key, this.parse(0)]);
        if (!this.isPunct(',')) break;
        this.next();
      }
      this.expectPunct('}');
      return { kind: 'map', entries };
    }
    throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos);
  }
}

function describe(t: Token): string {
  return t.type === 'eof' ? 'end of expression' : `"${String(t.value)}"`;
}

/** `a.b.c` as a dotted name, or undefined when the expression is not a plain name chain. */
export function dottedName(expr: Expr): string | undefined {
  if (expr.kind === 'variable') return expr.name;
  if (expr.kind === 'member') {
    const base = dottedName(expr.object);
    return base === undefined ? undefined : `${base}.${expr.name}`;
  }
  return undefined;
}

/** Parses the text inside `${...}`. */
export function parseExpression(text: string): Expr {
  return new Parser(tokenize(text)).parseAll();
}

/** Every function name an expression calls, for the load-time check of unknown functions. */
export function calledFunctions(
  expr: Expr,
  out: Array<{ name: string; arity: number }> = [],
): Array<{ name: string; arity: number }> {
  switch (expr.kind) {
    case 'call':
      out.push({ name: expr.callee, arity: expr.args.length });
      for (const a of expr.args) calledFunctions(a, out);
      break;
    case 'member':
      calledFunctions(expr.object, out);
      break;
    case 'index':
      calledFunctions(expr.object, out);
      calledFunctions(expr.index, out);
      break;
    case 'unary':
      calledFunctions(expr.operand, out);
      break;
    case 'binary':
      calledFunctions(expr.left, out);
      calledFunctions(expr.right, out);
      break;
    case 'list':
      for (const i of expr.items) calledFunctions(i, out);
      break;
    case 'map':
      for (const [k, v] of expr.entries) {
        calledFunctions(k, out);
        calledFunctions(v, out);
      }
      break;
    default:
      break;
  }
  return out;
}
