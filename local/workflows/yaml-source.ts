import {
  isMap as isYamlMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type YAMLMap,
  type Pair,
} from 'yaml';
import type { PendingCall } from './call-check.js';
import { WorkflowLoadError } from './errors.js';
import {
  calledFunctions,
  ExpressionSyntaxError,
  parseExpression,
  type Expr,
} from './expression.js';
import { EXPRESSION_LENGTH_LIMIT, overLimit } from './limits.js';
import type { Template } from './model.js';
import type { WfValue } from './values.js';

/** The keys of a YAML map, each with its key node and value node. */
export type Entries = Map<string, { key: YamlNode; value: YamlNode | null }>;

/**
 * A workflow definition's YAML (or JSON) text as the loader reads it: nodes with their lines,
 * load errors that name them, and values turned into templates whose `${...}` expressions are
 * parsed once. Every function an expression calls is collected in `calls`, to be checked once
 * all subworkflows are known.
 */
export class YamlSource {
  private readonly lines = new LineCounter();
  readonly calls: PendingCall[] = [];

  constructor(
    private readonly text: string,
    readonly filename: string | undefined,
  ) {}

  /** The root node of the document; invalid YAML or JSON is a load error. */
  parse(): YamlNode | null {
    const doc = parseDocument(this.text, {
      lineCounter: this.lines,
      intAsBigInt: true,
      uniqueKeys: true,
    });
    if (doc.errors.length) {
      const first = doc.errors[0]!;
      throw new WorkflowLoadError(`invalid YAML/JSON: ${first.message.split('\n')[0]}`, {
        filename: this.filename,
        line: first.linePos?.[0]?.line,
      });
    }
    return doc.contents as YamlNode | null;
  }

  /** Refuses the definition: `rule` broken at `node` (its line), in `step` when there is one. */
  fail(rule: string, node: YamlNode | null | undefined, step?: string): never {
    throw new WorkflowLoadError(rule, { filename: this.filename, line: this.lineOf(node), step });
  }

  /** The 1-based line of a node. */
  lineOf(node: YamlNode | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  /** The key of a map entry, which must be a string. */
  keyOf(pair: Pair, step: string | undefined): string {
    const key = pair.key as YamlNode | null;
    if (!isScalar(key) || typeof key.value !== 'string')
      this.fail('keys must be strings', key, step);
    return key.value;
  }

  /** The entries of a map by key (keys must be strings). */
  entries(node: YAMLMap, step: string): Entries {
    const out: Entries = new Map();
    for (const pair of node.items) {
      out.set(this.keyOf(pair, step), {
        key: pair.key as YamlNode,
        value: pair.value as YamlNode | null,
      });
    }
    return out;
  }

  /** Refuses the first key of `keys` not in `allowed`; `where` names the map in the message. */
  allowOnly(keys: Entries, allowed: readonly string[], where: string, step: string): void {
    for (const [key, { key: keyNode }] of keys) {
      if (!allowed.includes(key))
        this.fail(
          `unknown key "${key}" in ${where} (allowed: ${allowed.join(', ')})`,
          keyNode,
          step,
        );
    }
  }

  /** Converts a YAML value into a template, parsing every `${...}` once. */
  template(node: YamlNode | null, step: string | undefined): Template {
    if (node === null || node === undefined) return { kind: 'const', value: null };
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') {
        const trimmed = v.trim();
        if (trimmed.startsWith('${') && trimmed.endsWith('}')) {
          const text = trimmed.slice(2, -1);
          if ([...text].length > EXPRESSION_LENGTH_LIMIT.value)
            this.fail(
              overLimit(EXPRESSION_LENGTH_LIMIT, [...text].length, 'characters'),
              node,
              step,
            );
          let expr: Expr;
          try {
            expr = parseExpression(text);
          } catch (err) {
            const column =
              err instanceof ExpressionSyntaxError ? ` at column ${err.column + 1}` : '';
            return this.fail(
              `invalid expression "${trimmed}": ${(err as Error).message}${column}`,
              node,
              step,
            );
          }
          this.collectCalls(expr, node, step);
          return { kind: 'expr', expr, source: trimmed };
        }
        if (v.includes('${'))
          this.fail(`an expression must be the whole value: "${v}"`, node, step);
        return { kind: 'const', value: v };
      }
      if (v === null || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number')
        return { kind: 'const', value: v };
      return this.fail(`unsupported value ${String(v)}`, node, step);
    }
    if (isSeq(node)) {
      const items = (node.items as Array<YamlNode | null>).map((i) => this.template(i, step));
      return items.every((i) => i.kind === 'const')
        ? { kind: 'const', value: items.map((i) => (i as { value: WfValue }).value) }
        : { kind: 'list', items };
    }
    if (isYamlMap(node)) {
      const entries: Array<[string, Template]> = node.items.map((pair) => [
        this.keyOf(pair, step),
        this.template(pair.value as YamlNode | null, step),
      ]);
      return { kind: 'map', entries };
    }
    return this.fail('aliases and tags are not supported', node, step);
  }

  /** An assignment target: `name`, `name.key`, `name[expr]`, chained. */
  target(text: string, node: YamlNode, step: string): Expr {
    let expr: Expr;
    try {
      expr = parseExpression(text);
    } catch (err) {
      return this.fail(
        `invalid assignment target "${text}": ${(err as Error).message}`,
        node,
        step,
      );
    }
    let cursor: Expr = expr;
    while (cursor.kind === 'member' || cursor.kind === 'index') cursor = cursor.object;
    if (cursor.kind !== 'variable')
      this.fail(
        `invalid assignment target "${text}": must be a variable, a map key or a list index`,
        node,
        step,
      );
    this.collectCalls(expr, node, step);
    return expr;
  }

  private collectCalls(expr: Expr, node: YamlNode, step: string | undefined): void {
    for (const call of calledFunctions(expr)) {
      this.calls.push({
        name: call.name,
        line: this.lineOf(node) ?? 0,
        step: step ?? '',
        inExpression: true,
      });
    }
  }
}
