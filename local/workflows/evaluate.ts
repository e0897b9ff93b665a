import { workflowError } from './errors.js';
import type { BinaryOperator, Expr } from './expression.js';
import {
  deepEqual,
  fitsInt64,
  formatDouble,
  isList,
  isMap,
  isNumeric,
  typeName,
  type WfMap,
  type WfValue,
} from './values.js';

/** What an expression can see: variables and callable functions. */
export interface EvaluationScope {
  /** The value of a variable; raises a KeyError-tagged exception when it is not defined. */
  lookup(name: string): WfValue;
  /** Calls a function (standard library or subworkflow) with positional arguments. */
  call(name: string, args: WfValue[]): Promise<WfValue>;
}

/** A scope whose function calls answer synchronously (standard library only). */
export interface SyncEvaluationScope {
  lookup(name: string): WfValue;
  callSync(name: string, args: WfValue[]): WfValue;
}

/**
 * Evaluates a parsed expression. Semantics from
 * https://cloud.google.com/workflows/docs/reference/syntax/datatypes and
 * https://cloud.google.com/workflows/docs/reference/syntax/expressions.
 */
export async function evaluate(expr: Expr, scope: EvaluationScope): Promise<WfValue> {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable':
      return scope.lookup(expr.name);
    case 'member':
      return memberOf(await evaluate(expr.object, scope), expr.name);
    case 'index':
      return indexOf(await evaluate(expr.object, scope), await evaluate(expr.index, scope));
    case 'list': {
      const items: WfValue[] = [];
      for (const item of expr.items) items.push(await evaluate(item, scope));
      return items;
    }
    case 'map': {
      const map: WfMap = new Map();
      for (const [k, v] of expr.entries) {
        const key = mapKey(await evaluate(k, scope));
        map.set(key, await evaluate(v, scope));
      }
      return map;
    }
    case 'call': {
      const args: WfValue[] = [];
      for (const a of expr.args) args.push(await evaluate(a, scope));
      return scope.call(expr.callee, args);
    }
    case 'unary':
      return applyUnary(expr.op, await evaluate(expr.operand, scope));
    case 'binary': {
      if (expr.op === 'and' || expr.op === 'or') {
        // Short-circuit: the right operand is not evaluated when the left decides.
        const left = await evaluate(expr.left, scope);
        if (decides(expr.op, left)) return left;
        const right = await evaluate(expr.right, scope);
        requireBoolean(expr.op, right);
        return right;
      }
      const left = await evaluate(expr.left, scope);
      const right = await evaluate(expr.right, scope);
      return applyBinary(expr.op, left, right);
    }
  }
}

/**
 * The same evaluation without suspension points, for expressions that call no subworkflow:
 * an assignment of a shared variable in a parallel step then reads and writes atomically, as
 * Google documents (parallel-steps page, "Shared variables").
 */
export function evaluateSync(expr: Expr, scope: SyncEvaluationScope): WfValue {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable':
      return scope.lookup(expr.name);
    case 'member':
      return memberOf(evaluateSync(expr.object, scope), expr.name);
    case 'index':
      return indexOf(evaluateSync(expr.object, scope), evaluateSync(expr.index, scope));
    case 'list': {
      const items: WfValue[] = [];
      for (const item of expr.items) items.push(evaluateSync(item, scope));
      return items;
    }
    case 'map': {
      const map: WfMap = new Map();
      for (const [k, v] of expr.entries) {
        const key = mapKey(evaluateSync(k, scope));
        map.set(key, evaluateSync(v, scope));
      }
      return map;
    }
    case 'call': {
      const args: WfValue[] = [];
      for (const a of expr.args) args.push(evaluateSync(a, scope));
      return scope.callSync(expr.callee, args);
    }
    case 'unary':
      return applyUnary(expr.op, evaluateSync(expr.operand, scope));
    case 'binary': {
      if (expr.op === 'and' || expr.op === 'or') {
        // Short-circuit: the right operand is not evaluated when the left decides.
        const left = evaluateSync(expr.left, scope);
        if (decides(expr.op, left)) return left;
        const right = evaluateSync(expr.right, scope);
        requireBoolean(expr.op, right);
        return right;
      }
      const left = evaluateSync(expr.left, scope);
      const right = evaluateSync(expr.right, scope);
      return applyBinary(expr.op, left, right);
    }
  }
}

/** Whether the left operand of `and`/`or` is the result, so that the right one is not evaluated. */
function decides(op: 'and' | 'or', left: WfValue): boolean {
  requireBoolean(op, left);
  return op === 'and' ? !left : left;
}

/** `not x` and `-x`. */
function applyUnary(op: '-' | 'not', operand: WfValue): WfValue {
  if (op === 'not') {
    if (typeof operand !== 'boolean') {
      throw workflowError(
        'TypeError',
        `operand of "not" must be boolean, got ${typeName(operand)}`,
      );
    }
    return !operand;
  }
  if (typeof operand === 'bigint') return checkedInt(-operand);
  if (typeof operand === 'number') return -operand;
  throw workflowError('TypeError', `bad operand type for unary -: ${typeName(operand)}`);
}

/** A map key, which must be a string (else TypeError). */
export function mapKey(key: WfValue): string {
  if (typeof key !== 'string') {
    throw workflowError('TypeError', `map keys must be strings, got ${typeName(key)}`);
  }
  return key;
}

function requireBoolean(op: string, value: WfValue): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw workflowError('TypeError', `operands of "${op}" must be boolean, got ${typeName(value)}`);
  }
}

/** `value.name`: a map field; a missing key is a KeyError. */
export function memberOf(value: WfValue, name: string): WfValue {
  if (!isMap(value)) {
    throw workflowError('TypeError', `cannot access field "${name}" of a ${typeName(value)}`);
  }
  if (!value.has(name)) throw workflowError('KeyError', `key not found: ${name}`);
  return value.get(name) as WfValue;
}

/** `value[index]`: a list element by integer index or a map field by string key. */
export function indexOf(value: WfValue, index: WfValue): WfValue {
  if (isList(value)) {
    if (typeof index !== 'bigint') {
      throw workflowError('TypeError', `list indices must be integers, got ${typeName(index)}`);
    }
    if (index < 0n || index >= BigInt(value.length)) {
      throw workflowError('IndexError', `list index out of range: ${index}`);
    }
    return value[Number(index)] as WfValue;
  }
  if (isMap(value)) {
    const key = mapKey(index);
    if (!value.has(key)) throw workflowError('KeyError', `key not found: ${key}`);
    return value.get(key) as WfValue;
  }
  throw workflowError('TypeError', `a ${typeName(value)} cannot be indexed`);
}

function checkedInt(value: bigint): bigint {
  if (!fitsInt64(value)) throw workflowError('ValueError', 'integer overflow');
  return value;
}

function typeMismatch(op: string, left: WfValue, right: WfValue): never {
  throw workflowError(
    'TypeError',
    `unsupported operand types for ${op}: ${typeName(left)} and ${typeName(right)}`,
  );
}

/** Applies a non-short-circuit binary operator. */
export function applyBinary(op: BinaryOperator, left: WfValue, right: WfValue): WfValue {
  switch (op) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case 'in':
      if (isList(right)) return right.some((item) => deepEqual(item, left));
      if (isMap(right)) return typeof left === 'string' && right.has(left);
      throw workflowError(
        'TypeError',
        `right operand of "in" must be a list or a map, got ${typeName(right)}`,
      );
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, left, right);
    case '+':
      if (typeof left === 'string' || typeof right === 'string') return concatenate(left, right);
      return arithmetic(op, left, right);
    default:
      return arithmetic(op, left, right);
  }
}

/**
 * `+` with a string operand. The "+ operator" table of
 * https://cloud.google.com/workflows/docs/reference/syntax/datatypes#implicit-conversions gives
 * STRING for string + integer, double, boolean or string (either order); every other mix
 * (null, list, map, bytes) is absent from the table and stays a TypeError.
 */
function concatenate(left: WfValue, right: WfValue): string {
  return concatOperand('+', left, right, left) + concatOperand('+', left, right, right);
}

function concatOperand(op: string, left: WfValue, right: WfValue, value: WfValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatDouble(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeMismatch(op, left, right);
}

function compare(op: '<' | '<=' | '>' | '>=', left: WfValue, right: WfValue): boolean {
  let order: number;
  if (isNumeric(left) && isNumeric(right)) {
    order =
      typeof left === 'bigint' && typeof right === 'bigint'
        ? left < right
          ? -1
          : left > right
            ? 1
            : 0
        : Number(left) - Number(right);
  } else if (typeof left === 'string' && typeof right === 'string') {
    order = left < right ? -1 : left > right ? 1 : 0;
  } else {
    typeMismatch(op, left, right);
  }
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function arithmetic(op: BinaryOperator, left: WfValue, right: WfValue): WfValue {
  if (!isNumeric(left) || !isNumeric(right)) typeMismatch(op, left, right);
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    switch (op) {
      case '+':
        return checkedInt(left + right);
      case '-':
        return checkedInt(left - right);
      case '*':
        return checkedInt(left * right);
      case '/':
        if (right === 0n) throw workflowError('ZeroDivisionError', 'division by zero');
        return Number(left) / Number(right);
      case '//':
      case '%': {
        if (right === 0n) throw workflowError('ZeroDivisionError', 'division by zero');
        // Floor semantics, so that a == (a // b) * b + a % b holds for negative operands too.
        let quotient = left / right;
        if (left % right !== 0n && left < 0n !== right < 0n) quotient -= 1n;
        return op === '//' ? checkedInt(quotient) : left - quotient * right;
      }
      default:
        typeMismatch(op, left, right);
    }
  }
  const a = Number(left);
  const b = Number(right);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw workflowError('ZeroDivisionError', 'division by zero');
      return a / b;
    case '//':
      if (b === 0) throw workflowError('ZeroDivisionError', 'division by zero');
      return Math.floor(a / b);
    case '%':
      if (b === 0) throw workflowError('ZeroDivisionError', 'division by zero');
      return a - Math.floor(a / b) * b;
    default:
      typeMismatch(op, left, right);
  }
}
