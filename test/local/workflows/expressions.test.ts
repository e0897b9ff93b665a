import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../../local/workflows/expression.js';
import { evalError, evalExpr } from './helpers.js';

// https://cloud.google.com/workflows/docs/reference/syntax/datatypes ("Order of operations")
describe('expression precedence (reference/syntax/datatypes#order_of_operations)', () => {
  it('multiplies before adding and adds before comparing', async () => {
    expect(await evalExpr('1 + 2 * 3')).toBe(7);
    expect(await evalExpr('(1 + 2) * 3')).toBe(9);
    expect(await evalExpr('1 + 2 * 3 == 7')).toBe(true);
  });
  it('binds "and" tighter than "or"', async () => {
    expect(await evalExpr('true or false and false')).toBe(true);
    expect(await evalExpr('(true or false) and false')).toBe(false);
  });
  it('binds unary minus tighter than multiplication', async () => {
    expect(await evalExpr('-2 * 3')).toBe(-6);
    expect(await evalExpr('2 - -3')).toBe(5);
  });
  it('parses member and index access before operators', () => {
    expect(parseExpression('a.b[0] + 1')).toMatchObject({
      kind: 'binary',
      op: '+',
      left: { kind: 'index', object: { kind: 'member', name: 'b' } },
    });
  });
  it('accepts lower- and upper-case logical operators, not mixed case', async () => {
    expect(await evalExpr('NOT false AND TRUE')).toBe(true);
    expect(() => parseExpression('a And b')).toThrow(/unexpected/);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/expressions
describe('arithmetic and types (reference/syntax/expressions)', () => {
  it('"/" is always float division', async () => {
    expect(await evalExpr('get_type(4 / 2)')).toBe('double');
    expect(await evalExpr('7 / 2')).toBe(3.5);
  });
  it('"//" is floor division of integers', async () => {
    expect(await evalExpr('7 // 2')).toBe(3);
    expect(await evalExpr('-7 // 2')).toBe(-4);
    expect(await evalExpr('get_type(7 // 2)')).toBe('integer');
  });
  it('"%" is the remainder consistent with floor division', async () => {
    expect(await evalExpr('7 % 3')).toBe(1);
    expect(await evalExpr('-7 % 3')).toBe(2);
  });
  it('integer op double gives a double', async () => {
    expect(await evalExpr('get_type(1 + 1.5)')).toBe('double');
    expect(await evalExpr('get_type(2 * 3)')).toBe('integer');
  });
  it('dividing by zero raises ZeroDivisionError', async () => {
    expect((await evalError('1 / 0')).tags).toEqual(['ZeroDivisionError']);
    expect((await evalError('1 // 0')).tags).toEqual(['ZeroDivisionError']);
  });
  it('integer overflow raises ValueError (64-bit integers)', async () => {
    expect((await evalError('9223372036854775807 + 1')).tags).toEqual(['ValueError']);
  });
  // https://cloud.google.com/workflows/docs/reference/syntax/datatypes ("+ operator" table of
  // "Implicit data type conversions"): string + integer/double/bool is a STRING; bool + number,
  // and anything with null, is an ERROR.
  it('concatenates a string with a number or boolean (implicit conversion table)', async () => {
    expect(await evalExpr('"a" + "b"')).toBe('ab');
    expect(await evalExpr('"count: " + 42')).toBe('count: 42');
    expect(await evalExpr('1.5 + "x"')).toBe('1.5x');
    expect(await evalExpr('true + "!"')).toBe('true!');
    const error = await evalError('"n" + null');
    expect(error.tags).toEqual(['TypeError']);
    expect(error.message).toBe('unsupported operand types for +: string and null');
    expect((await evalError('true + 1')).tags).toEqual(['TypeError']);
  });
  it('compares numbers across int and double, strings lexically, and refuses mixes', async () => {
    expect(await evalExpr('1 == 1.0')).toBe(true);
    expect(await evalExpr('2 < 2.5')).toBe(true);
    expect(await evalExpr('"abc" < "abd"')).toBe(true);
    expect(await evalExpr('1 == "1"')).toBe(false);
    expect((await evalError('1 < "2"')).tags).toEqual(['TypeError']);
  });
  it('deep-compares lists and maps', async () => {
    expect(await evalExpr('[1, {"a": 2}] == [1, {"a": 2}]')).toBe(true);
    expect(await evalExpr('{"a": 1} != {"a": 2}')).toBe(true);
  });
});

describe('logical operators (reference/syntax/datatypes#logical_operators)', () => {
  it('short-circuits: the right side is not evaluated', async () => {
    expect(await evalExpr('false and undefined_var')).toBe(false);
    expect(await evalExpr('true or 1 / 0 == 1')).toBe(true);
  });
  it('accepts only booleans', async () => {
    expect((await evalError('1 and true')).tags).toEqual(['TypeError']);
    expect((await evalError('not 1')).tags).toEqual(['TypeError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/syntax-cheat-sheet
describe('"in", literals, member and index access (syntax cheat sheet)', () => {
  it('tests list membership and map keys', async () => {
    expect(await evalExpr('2 in [1, 2, 3]')).toBe(true);
    expect(await evalExpr('"b" in {"a": 1}')).toBe(false);
    expect(await evalExpr('"a" in {"a": 1}')).toBe(true);
  });
  it('reads map fields with "." and "[]" and list elements with "[]"', async () => {
    expect(await evalExpr('{"a": {"b": [10, 20]}}.a["b"][1]')).toBe(20);
  });
  it('raises KeyError for a missing key and IndexError past the end', async () => {
    const keyError = await evalError('{"a": 1}.b');
    expect(keyError).toEqual({ message: 'key not found: b', tags: ['KeyError'] });
    expect((await evalError('[1, 2][2]')).tags).toEqual(['IndexError']);
  });
  it('reads string escapes and both quote styles', async () => {
    expect(await evalExpr(`"a\\"b" + 'c'`)).toBe('a"bc');
  });
  it('accepts True/TRUE literals and null', async () => {
    expect(await evalExpr('[True, FALSE, null]')).toEqual([true, false, null]);
  });
});
