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
import { WorkflowLoadError } from './errors.js';
import {
  calledFunctions,
  ExpressionSyntaxError,
  parseExpression,
  type Expr,
} from './expression.js';
import type {
  Assignment,
  ForLoop,
  Param,
  PredicateRef,
  RetryPolicy,
  Step,
  StepAction,
  Subworkflow,
  SwitchBranch,
  Template,
  Workflow,
} from './model.js';
import { STDLIB } from './stdlib.js';
import type { WfValue } from './values.js';

/** Functions that block and may only be used in `call` steps, never inside expressions. */
export const BLOCKING_FUNCTIONS: ReadonlyMap<string, string[]> = new Map([
  ['http.get', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.post', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.put', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.patch', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  ['http.delete', ['url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name']],
  [
    'http.request',
    ['method', 'url', 'headers', 'query', 'body', 'timeout', 'auth', 'private_service_name'],
  ],
  ['sys.sleep', ['seconds']],
  ['sys.log', ['data', 'severity', 'text', 'json', 'timeout']],
]);

/** Built-in retry policies usable as `retry: ${...}` (stdlib/http, stdlib/retry). */
export const BUILTIN_RETRY_POLICIES: ReadonlyMap<string, { predicate: string }> = new Map([
  ['http.default_retry', { predicate: 'http.default_retry_predicate' }],
  [
    'http.default_retry_non_idempotent',
    { predicate: 'http.default_retry_predicate_non_idempotent' },
  ],
]);

const BUILTIN_PREDICATES = new Set([
  'http.default_retry_predicate',
  'http.default_retry_predicate_non_idempotent',
  'retry.always',
  'retry.never',
]);

const RESERVED_NEXT = new Set(['end', 'break', 'continue']);
const MAX_PARALLEL_NESTING = 2;

interface Options {
  filename?: string;
}

interface StepScope {
  /** Step names reachable by `next` from here (own list and enclosing lists). */
  names: Set<string>;
  inLoop: boolean;
  parallelDepth: number;
  inParallel: boolean;
}

interface PendingCall {
  name: string;
  line: number;
  step: string;
  inExpression: boolean;
  argNames?: string[];
}

/**
 * Loads a workflow definition (YAML or JSON) and validates it the way Google validates at
 * deploy time (https://cloud.google.com/workflows/docs/reference/syntax): anything this
 * interpreter does not support is refused here with the step name and line, never skipped.
 */
export function loadWorkflow(source: string, options: Options = {}): Workflow {
  return new Loader(source, options.filename).load();
}

class Loader {
  private readonly lines = new LineCounter();
  private readonly calls: PendingCall[] = [];
  private readonly stepNames = new Map<string, Set<string>>();
  private currentSubworkflow = '';

  constructor(
    private readonly source: string,
    private readonly filename: string | undefined,
  ) {}

  private fail(rule: string, node: YamlNode | null | undefined, step?: string): never {
    throw new WorkflowLoadError(rule, { filename: this.filename, line: this.lineOf(node), step });
  }

  private lineOf(node: YamlNode | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  load(): Workflow {
    const doc = parseDocument(this.source, {
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
    const root = doc.contents as YamlNode | null;
    const subworkflows = new Map<string, Subworkflow>();
    if (isSeq(root)) {
      // The bare-steps form: the whole file is the body of main.
      this.currentSubworkflow = 'main';
      subworkflows.set('main', {
        name: 'main',
        params: [],
        steps: this.stepList(root, this.rootScope()),
        line: this.lineOf(root) ?? 1,
      });
    } else if (isYamlMap(root)) {
      for (const pair of root.items) {
        const name = this.keyOf(pair, undefined);
        this.currentSubworkflow = name;
        subworkflows.set(name, this.subworkflow(name, pair));
      }
      if (!subworkflows.has('main'))
        this.fail('a workflow needs a "main" block (or a bare list of steps)', root);
      if (subworkflows.get('main')!.params.length > 1) {
        this.fail('"main" takes at most one parameter (the runtime argument)', root);
      }
    } else {
      this.fail('a workflow is a list of steps or a map of subworkflows with a "main"', root);
    }
    this.checkCalls(subworkflows);
    return { filename: this.filename, subworkflows };
  }

  private rootScope(): StepScope {
    return { names: new Set(), inLoop: false, parallelDepth: 0, inParallel: false };
  }

  private keyOf(pair: Pair, step: string | undefined): string {
    const key = pair.key as YamlNode | null;
    if (!isScalar(key) || typeof key.value !== 'string')
      this.fail('keys must be strings', key, step);
    return key.value;
  }

  private subworkflow(name: string, pair: Pair): Subworkflow {
    const body = pair.value as YamlNode | null;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      this.fail(`invalid subworkflow name "${name}"`, pair.key as YamlNode);
    if (!isYamlMap(body))
      this.fail(
        `subworkflow "${name}" must be a map with "steps" (and optional "params")`,
        body ?? (pair.key as YamlNode),
      );
    let params: Param[] = [];
    let steps: Step[] | undefined;
    for (const item of body.items) {
      const key = this.keyOf(item, undefined);
      const value = item.value as YamlNode | null;
      if (key === 'params') params = this.params(name, value);
      else if (key === 'steps') steps = this.stepList(value, this.rootScope());
      else
        this.fail(
          `unknown key "${key}" in subworkflow "${name}" (allowed: params, steps)`,
          item.key as YamlNode,
        );
    }
    if (!steps) this.fail(`subworkflow "${name}" has no "steps"`, body);
    return { name, params, steps, line: this.lineOf(pair.key as YamlNode) ?? 1 };
  }

  private params(subworkflow: string, node: YamlNode | null): Param[] {
    if (!isSeq(node)) this.fail(`"params" of "${subworkflow}" must be a list`, node);
    const params: Param[] = [];
    for (const item of node.items as Array<YamlNode | null>) {
      if (isScalar(item) && typeof item.value === 'string') {
        params.push({ name: item.value });
      } else if (isYamlMap(item) && item.items.length === 1) {
        const pair = item.items[0]!;
        params.push({
          name: this.keyOf(pair, undefined),
          defaultValue: this.constant(pair.value as YamlNode | null),
        });
      } else {
        this.fail(
          `each parameter of "${subworkflow}" is a name or a single-key map {name: default}`,
          item,
        );
      }
    }
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name))
        this.fail(`parameter "${p.name}" of "${subworkflow}" is declared twice`, node);
      seen.add(p.name);
    }
    return params;
  }

  /** A parameter default is a plain value (no expressions). */
  private constant(node: YamlNode | null): WfValue {
    const template = this.template(node, undefined);
    if (template.kind === 'const') return template.value;
    const toValue = (t: Template): WfValue => {
      if (t.kind === 'const') return t.value;
      if (t.kind === 'list') return t.items.map(toValue);
      if (t.kind === 'map') return new Map(t.entries.map(([k, v]) => [k, toValue(v)]));
      return this.fail('parameter defaults cannot be expressions', node);
    };
    return toValue(template);
  }

  private stepList(node: YamlNode | null, parent: StepScope): Step[] {
    if (!isSeq(node) || node.items.length === 0)
      this.fail('"steps" must be a non-empty list of steps', node);
    const items = node.items as Array<YamlNode | null>;
    const names = new Set(parent.names);
    const own: Array<{ name: string; pair: Pair; item: YamlNode }> = [];
    for (const item of items) {
      if (!isYamlMap(item) || item.items.length !== 1) {
        this.fail('each step is a single-key map: "- step_name: {...}"', item);
      }
      const pair = item.items[0]!;
      const name = this.keyOf(pair, undefined);
      const all = this.stepNames.get(this.currentSubworkflow) ?? new Set<string>();
      this.stepNames.set(this.currentSubworkflow, all);
      if (all.has(name))
        this.fail(
          `duplicate step name "${name}" in "${this.currentSubworkflow}"`,
          pair.key as YamlNode,
          name,
        );
      if (RESERVED_NEXT.has(name))
        this.fail(`"${name}" is reserved and cannot name a step`, pair.key as YamlNode, name);
      all.add(name);
      names.add(name);
      own.push({ name, pair, item });
    }
    const scope: StepScope = { ...parent, names };
    return own.map(({ name, pair }) =>
      this.step(name, pair.value as YamlNode | null, pair.key as YamlNode, scope),
    );
  }

  private step(name: string, node: YamlNode | null, keyNode: YamlNode, scope: StepScope): Step {
    if (!isYamlMap(node)) this.fail('a step body must be a map', node ?? keyNode, name);
    return this.stepBody(name, node, scope, this.lineOf(keyNode) ?? 1);
  }

  private entries(
    node: YAMLMap,
    step: string,
  ): Map<string, { key: YamlNode; value: YamlNode | null }> {
    const out = new Map<string, { key: YamlNode; value: YamlNode | null }>();
    for (const pair of node.items) {
      out.set(this.keyOf(pair, step), {
        key: pair.key as YamlNode,
        value: pair.value as YamlNode | null,
      });
    }
    return out;
  }

  /** Parses a step body (also the inline body of a switch condition or a `try`). */
  private stepBody(name: string, node: YAMLMap, scope: StepScope, line: number): Step {
    const keys = this.entries(node, name);
    const main = [
      'assign',
      'call',
      'switch',
      'for',
      'parallel',
      'try',
      'raise',
      'return',
      'steps',
    ].filter((k) => keys.has(k));
    const allowedWith: Record<string, string[]> = {
      assign: ['assign', 'next'],
      call: ['call', 'args', 'result', 'next'],
      switch: ['switch', 'next'],
      for: ['for', 'next'],
      parallel: ['parallel', 'next'],
      try: ['try', 'retry', 'except', 'next'],
      raise: ['raise'],
      return: ['return'],
      steps: ['steps', 'next'],
      none: ['next'],
    };
    if (
      keys.has('events') ||
      (keys.get('call') &&
        /^events\./.test(String((keys.get('call')!.value as { value?: unknown } | null)?.value)))
    ) {
      this.fail('callbacks (events.*) are not supported by the local interpreter', node, name);
    }
    if (main.length > 1) {
      this.fail(`a step can have only one of ${main.join(', ')}`, node, name);
    }
    const kind = main[0] ?? 'none';
    const allowed = new Set(allowedWith[kind] ?? []);
    for (const [key, { key: keyNode }] of keys) {
      if (!allowed.has(key)) {
        this.fail(
          `unknown or misplaced key "${key}" in a ${kind === 'none' ? 'step' : `"${kind}" step`}`,
          keyNode,
          name,
        );
      }
    }
    if (kind === 'none' && !keys.has('next'))
      this.fail(
        'a step must do something (assign, call, switch, for, parallel, try, raise, return, steps or next)',
        node,
        name,
      );
    const next = keys.get('next');
    let nextTarget: string | undefined;
    if (next) {
      const value = next.value;
      if (!isScalar(value) || typeof value.value !== 'string')
        this.fail('"next" must be a step name', value ?? next.key, name);
      nextTarget = value.value;
      this.checkNext(nextTarget, scope, value, name);
    }
    const action = this.action(kind, name, keys, scope, node);
    return { name, line, action, ...(nextTarget === undefined ? {} : { next: nextTarget }) };
  }

  private checkNext(target: string, scope: StepScope, node: YamlNode, step: string): void {
    if (target === 'end') return;
    if (target === 'break' || target === 'continue') {
      if (!scope.inLoop)
        this.fail(`"next: ${target}" is only allowed inside a for loop`, node, step);
      return;
    }
    if (target.startsWith('${'))
      this.fail('"next" must name a step; expressions are not allowed', node, step);
    if (!scope.names.has(target))
      this.fail(`"next" refers to unknown step "${target}"`, node, step);
  }

  private action(
    kind: string,
    name: string,
    keys: Map<string, { key: YamlNode; value: YamlNode | null }>,
    scope: StepScope,
    node: YAMLMap,
  ): StepAction {
    const get = (k: string): YamlNode | null => keys.get(k)!.value;
    switch (kind) {
      case 'assign':
        return { type: 'assign', assignments: this.assignments(get('assign'), name) };
      case 'call':
        return this.call(name, keys, scope);
      case 'switch':
        return { type: 'switch', branches: this.switchBranches(get('switch'), name, scope) };
      case 'for':
        return { type: 'for', loop: this.forLoop(get('for'), name, { ...scope, inLoop: true }) };
      case 'parallel':
        return this.parallel(get('parallel'), name, scope);
      case 'try':
        return this.tryStep(name, keys, scope);
      case 'raise':
        return { type: 'raise', value: this.template(get('raise'), name) };
      case 'return':
        if (scope.inParallel)
          this.fail(
            '"return" is not allowed inside a parallel branch or loop',
            keys.get('return')!.key,
            name,
          );
        return { type: 'return', value: this.template(get('return'), name) };
      case 'steps':
        return { type: 'steps', steps: this.stepList(get('steps'), scope) };
      default:
        void node;
        return { type: 'none' };
    }
  }

  private assignments(node: YamlNode | null, step: string): Assignment[] {
    if (!isSeq(node) || node.items.length === 0)
      this.fail('"assign" must be a non-empty list of single-key maps', node, step);
    return (node.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item) || item.items.length !== 1)
        this.fail('each assignment is a single-key map "- name: value"', item, step);
      const pair = item.items[0]!;
      const targetText = this.keyOf(pair, step);
      return {
        target: this.target(targetText, pair.key as YamlNode, step),
        targetText,
        value: this.template(pair.value as YamlNode | null, step),
      };
    });
  }

  /** An assignment target: `name`, `name.key`, `name[expr]`, chained. */
  private target(text: string, node: YamlNode, step: string): Expr {
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

  private call(
    name: string,
    keys: Map<string, { key: YamlNode; value: YamlNode | null }>,
    scope: StepScope,
  ): StepAction {
    void scope;
    const callNode = keys.get('call')!.value;
    if (!isScalar(callNode) || typeof callNode.value !== 'string')
      this.fail('"call" must name a function or subworkflow', callNode, name);
    const fn = callNode.value;
    if (fn.startsWith('googleapis.'))
      this.fail(`connector "${fn}" is not supported by the local interpreter`, callNode, name);
    if (fn.startsWith('events.'))
      this.fail(`"${fn}": callbacks are not supported by the local interpreter`, callNode, name);
    let args: Array<[string, Template]> | undefined;
    const argsEntry = keys.get('args');
    if (argsEntry) {
      const argsNode = argsEntry.value;
      if (!isYamlMap(argsNode)) this.fail('"args" must be a map', argsNode ?? argsEntry.key, name);
      args = argsNode.items.map((pair) => [
        this.keyOf(pair, name),
        this.template(pair.value as YamlNode | null, name),
      ]);
    }
    let result: Assignment | undefined;
    const resultEntry = keys.get('result');
    if (resultEntry) {
      const node = resultEntry.value;
      if (!isScalar(node) || typeof node.value !== 'string')
        this.fail('"result" must be a variable name', node ?? resultEntry.key, name);
      result = {
        target: this.target(node.value, node, name),
        targetText: node.value,
        value: { kind: 'const', value: null },
      };
    }
    this.calls.push({
      name: fn,
      line: this.lineOf(callNode) ?? 0,
      step: name,
      inExpression: false,
      argNames: args?.map(([k]) => k) ?? [],
    });
    return { type: 'call', function: fn, ...(args ? { args } : {}), ...(result ? { result } : {}) };
  }

  private switchBranches(node: YamlNode | null, step: string, scope: StepScope): SwitchBranch[] {
    if (!isSeq(node) || node.items.length === 0)
      this.fail('"switch" must be a non-empty list of conditions', node, step);
    return (node.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item)) this.fail('each switch entry is a map with "condition"', item, step);
      const keys = this.entries(item, step);
      const condition = keys.get('condition');
      if (!condition) this.fail('a switch entry needs a "condition"', item, step);
      const rest = item.clone() as YAMLMap;
      rest.items = rest.items.filter((p) => (p.key as { value?: unknown }).value !== 'condition');
      if (rest.items.length === 0) {
        this.fail(
          'a switch entry needs "next", "steps", "return", "raise", "assign" or "call"',
          item,
          step,
        );
      }
      const body = this.stepBody(step, rest, scope, this.lineOf(item) ?? 0);
      return {
        condition: this.template(condition.value, step),
        body,
        line: this.lineOf(item) ?? 0,
      };
    });
  }

  private forLoop(node: YamlNode | null, step: string, scope: StepScope): ForLoop {
    if (!isYamlMap(node))
      this.fail('"for" must be a map with value, in|range and steps', node, step);
    const keys = this.entries(node, step);
    for (const [key, { key: keyNode }] of keys) {
      if (!['value', 'index', 'in', 'range', 'steps'].includes(key))
        this.fail(
          `unknown key "${key}" in "for" (allowed: value, index, in, range, steps)`,
          keyNode,
          step,
        );
    }
    const variable = (k: string): string | undefined => {
      const entry = keys.get(k);
      if (!entry) return undefined;
      if (
        !isScalar(entry.value) ||
        typeof entry.value.value !== 'string' ||
        !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.value.value)
      ) {
        this.fail(`"for.${k}" must be a variable name`, entry.value ?? entry.key, step);
      }
      return entry.value.value;
    };
    const value = variable('value');
    const index = variable('index');
    if (!value && !index) this.fail('"for" needs "value" (and/or "index")', node, step);
    if (keys.has('in') === keys.has('range'))
      this.fail('"for" needs exactly one of "in" and "range"', node, step);
    if (keys.has('range') && index)
      this.fail('"index" cannot be used with "range"', keys.get('index')!.key, step);
    if (!keys.has('steps')) this.fail('"for" needs "steps"', node, step);
    const rangeTemplate = keys.has('range')
      ? this.template(keys.get('range')!.value, step)
      : undefined;
    if (rangeTemplate?.kind === 'list' && rangeTemplate.items.length !== 2)
      this.fail(
        '"range" must be a list of two numbers [start, end]',
        keys.get('range')!.value,
        step,
      );
    return {
      value: value ?? '',
      ...(index ? { index } : {}),
      ...(keys.has('in') ? { in: this.template(keys.get('in')!.value, step) } : {}),
      ...(rangeTemplate ? { range: rangeTemplate } : {}),
      steps: this.stepList(keys.get('steps')!.value, { ...scope, names: new Set(), inLoop: true }),
      line: this.lineOf(node) ?? 0,
    };
  }

  private parallel(node: YamlNode | null, step: string, scope: StepScope): StepAction {
    if (!isYamlMap(node)) this.fail('"parallel" must be a map with branches or for', node, step);
    const depth = scope.parallelDepth + 1;
    if (depth > MAX_PARALLEL_NESTING)
      this.fail(`parallel steps can be nested at most ${MAX_PARALLEL_NESTING} deep`, node, step);
    const keys = this.entries(node, step);
    for (const [key, { key: keyNode }] of keys) {
      if (!['exception_policy', 'shared', 'concurrency_limit', 'branches', 'for'].includes(key)) {
        this.fail(
          `unknown key "${key}" in "parallel" (allowed: exception_policy, shared, concurrency_limit, branches, for)`,
          keyNode,
          step,
        );
      }
    }
    const policy = keys.get('exception_policy');
    if (policy && (!isScalar(policy.value) || policy.value.value !== 'continueAll')) {
      this.fail('"exception_policy" supports only "continueAll"', policy.value ?? policy.key, step);
    }
    let shared: string[] = [];
    const sharedEntry = keys.get('shared');
    if (sharedEntry) {
      const v = sharedEntry.value;
      if (
        !isSeq(v) ||
        !(v.items as Array<YamlNode | null>).every(
          (i) => isScalar(i) && typeof i.value === 'string',
        )
      ) {
        this.fail('"shared" must be a list of variable names', v ?? sharedEntry.key, step);
      }
      shared = (v.items as Array<{ value: string }>).map((i) => i.value);
    }
    if (keys.has('branches') === keys.has('for'))
      this.fail('"parallel" needs exactly one of "branches" and "for"', node, step);
    const inner: StepScope = {
      names: new Set(),
      inLoop: false,
      parallelDepth: depth,
      inParallel: true,
    };
    const concurrency = keys.get('concurrency_limit');
    const base = {
      type: 'parallel' as const,
      shared,
      ...(concurrency ? { concurrencyLimit: this.template(concurrency.value, step) } : {}),
    };
    if (keys.has('for')) {
      return {
        ...base,
        loop: this.forLoop(keys.get('for')!.value, step, { ...inner, inLoop: true }),
      };
    }
    const branchesNode = keys.get('branches')!.value;
    if (!isSeq(branchesNode) || branchesNode.items.length < 2)
      this.fail('"branches" must list at least two branches', branchesNode, step);
    const branches = (branchesNode.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item) || item.items.length !== 1)
        this.fail('each branch is a single-key map "- branch_name: {steps: [...]}"', item, step);
      const pair = item.items[0]!;
      const branchName = this.keyOf(pair, step);
      const body = pair.value as YamlNode | null;
      if (!isYamlMap(body))
        this.fail(
          `branch "${branchName}" must be a map with "steps"`,
          body ?? (pair.key as YamlNode),
          step,
        );
      const bodyKeys = this.entries(body, branchName);
      for (const [key, { key: keyNode }] of bodyKeys) {
        if (key !== 'steps')
          this.fail(
            `unknown key "${key}" in branch "${branchName}" (allowed: steps)`,
            keyNode,
            branchName,
          );
      }
      if (!bodyKeys.has('steps'))
        this.fail(`branch "${branchName}" needs "steps"`, body, branchName);
      return {
        name: branchName,
        line: this.lineOf(pair.key as YamlNode) ?? 0,
        steps: this.stepList(bodyKeys.get('steps')!.value, inner),
      };
    });
    return { ...base, branches };
  }

  private tryStep(
    name: string,
    keys: Map<string, { key: YamlNode; value: YamlNode | null }>,
    scope: StepScope,
  ): StepAction {
    const tryNode = keys.get('try')!.value;
    if (!isYamlMap(tryNode))
      this.fail('"try" must be a map (a call or "steps")', tryNode ?? keys.get('try')!.key, name);
    const body = this.stepBody(name, tryNode, scope, this.lineOf(tryNode) ?? 0);
    let retry: RetryPolicy | undefined;
    const retryEntry = keys.get('retry');
    if (retryEntry) retry = this.retryPolicy(retryEntry.value, name);
    let except: { as?: string; steps: Step[] } | undefined;
    const exceptEntry = keys.get('except');
    if (exceptEntry) {
      const node = exceptEntry.value;
      if (!isYamlMap(node))
        this.fail('"except" must be a map with "as" and "steps"', node ?? exceptEntry.key, name);
      const exceptKeys = this.entries(node, name);
      for (const [key, { key: keyNode }] of exceptKeys) {
        if (key !== 'as' && key !== 'steps')
          this.fail(`unknown key "${key}" in "except" (allowed: as, steps)`, keyNode, name);
      }
      const asEntry = exceptKeys.get('as');
      if (asEntry && (!isScalar(asEntry.value) || typeof asEntry.value.value !== 'string'))
        this.fail('"except.as" must be a variable name', asEntry.value ?? asEntry.key, name);
      if (!exceptKeys.has('steps')) this.fail('"except" needs "steps"', node, name);
      except = {
        ...(asEntry ? { as: (asEntry.value as { value: string }).value } : {}),
        steps: this.stepList(exceptKeys.get('steps')!.value, scope),
      };
    }
    if (!retry && !except) this.fail('"try" needs "retry" or "except"', keys.get('try')!.key, name);
    return { type: 'try', body, ...(retry ? { retry } : {}), ...(except ? { except } : {}) };
  }

  private retryPolicy(node: YamlNode | null, step: string): RetryPolicy {
    const named = (n: YamlNode | null): string | undefined => {
      if (!isScalar(n) || typeof n.value !== 'string') return undefined;
      const m = /^\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}$/.exec(n.value);
      return m?.[1];
    };
    const constant = (value: WfValue): Template => ({ kind: 'const', value });
    const policyName = named(node);
    if (policyName !== undefined) {
      const builtin = BUILTIN_RETRY_POLICIES.get(policyName);
      if (!builtin)
        this.fail(
          `unknown retry policy "${policyName}" (known: ${[...BUILTIN_RETRY_POLICIES.keys()].join(', ')})`,
          node,
          step,
        );
      // http.default_retry: 5 retries, backoff 1 s initial, 60 s max, multiplier 1.25 (stdlib/http/default_retry).
      return {
        predicate: { kind: 'builtin', name: builtin.predicate },
        maxRetries: constant(5n),
        initialDelay: constant(1),
        maxDelay: constant(60),
        multiplier: constant(1.25),
      };
    }
    if (!isYamlMap(node))
      this.fail(
        '"retry" must be a built-in policy expression or a map with predicate, max_retries, backoff',
        node,
        step,
      );
    const keys = this.entries(node, step);
    for (const [key, { key: keyNode }] of keys) {
      if (!['predicate', 'max_retries', 'backoff'].includes(key))
        this.fail(
          `unknown key "${key}" in "retry" (allowed: predicate, max_retries, backoff)`,
          keyNode,
          step,
        );
    }
    const predicateEntry = keys.get('predicate');
    if (!predicateEntry) this.fail('"retry" needs "predicate"', node, step);
    const predicateName = named(predicateEntry.value);
    if (!predicateName)
      this.fail(
        '"retry.predicate" must be ${subworkflow_name} or a built-in predicate',
        predicateEntry.value,
        step,
      );
    let predicate: PredicateRef;
    if (BUILTIN_PREDICATES.has(predicateName)) predicate = { kind: 'builtin', name: predicateName };
    else {
      predicate = { kind: 'subworkflow', name: predicateName };
      this.calls.push({
        name: predicateName,
        line: this.lineOf(predicateEntry.value) ?? 0,
        step,
        inExpression: false,
        argNames: undefined,
      });
    }
    const maxRetries = keys.get('max_retries');
    if (!maxRetries) this.fail('"retry" needs "max_retries"', node, step);
    const backoffEntry = keys.get('backoff');
    if (!backoffEntry) this.fail('"retry" needs "backoff"', node, step);
    const backoff = backoffEntry.value;
    if (!isYamlMap(backoff))
      this.fail('"backoff" must be a map', backoff ?? backoffEntry.key, step);
    const b = this.entries(backoff, step);
    for (const [key, { key: keyNode }] of b) {
      if (!['initial_delay', 'max_delay', 'multiplier'].includes(key))
        this.fail(
          `unknown key "${key}" in "backoff" (allowed: initial_delay, max_delay, multiplier)`,
          keyNode,
          step,
        );
    }
    for (const k of ['initial_delay', 'max_delay', 'multiplier'])
      if (!b.has(k)) this.fail(`"backoff" needs "${k}"`, backoff, step);
    return {
      predicate,
      maxRetries: this.template(maxRetries.value, step),
      initialDelay: this.template(b.get('initial_delay')!.value, step),
      maxDelay: this.template(b.get('max_delay')!.value, step),
      multiplier: this.template(b.get('multiplier')!.value, step),
    };
  }

  /** Converts a YAML value into a template, parsing every `${...}` once. */
  private template(node: YamlNode | null, step: string | undefined): Template {
    if (node === null || node === undefined) return { kind: 'const', value: null };
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string') {
        const trimmed = v.trim();
        if (trimmed.startsWith('${') && trimmed.endsWith('}')) {
          const text = trimmed.slice(2, -1);
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

  /** Calls to unknown functions, blocking functions in expressions, unknown subworkflow args. */
  private checkCalls(subworkflows: Map<string, Subworkflow>): void {
    for (const call of this.calls) {
      const where = { filename: this.filename, line: call.line, step: call.step || undefined };
      const sub = subworkflows.get(call.name);
      if (sub) {
        if (call.argNames) {
          for (const a of call.argNames) {
            if (!sub.params.some((p) => p.name === a))
              throw new WorkflowLoadError(
                `subworkflow "${call.name}" has no parameter "${a}"`,
                where,
              );
          }
          for (const p of sub.params) {
            if (p.defaultValue === undefined && !call.argNames.includes(p.name)) {
              throw new WorkflowLoadError(
                `call to "${call.name}" is missing required argument "${p.name}"`,
                where,
              );
            }
          }
        }
        continue;
      }
      const blocking = BLOCKING_FUNCTIONS.get(call.name);
      if (blocking) {
        if (call.inExpression)
          throw new WorkflowLoadError(
            `blocking function "${call.name}" can only be used in a call step, not in an expression`,
            where,
          );
        for (const a of call.argNames ?? []) {
          if (!blocking.includes(a))
            throw new WorkflowLoadError(
              `"${call.name}" has no argument "${a}" (allowed: ${blocking.join(', ')})`,
              where,
            );
        }
        continue;
      }
      const fn = STDLIB.get(call.name);
      if (fn) {
        for (const a of call.argNames ?? []) {
          if (!fn.params.includes(a))
            throw new WorkflowLoadError(
              `"${call.name}" has no argument "${a}" (allowed: ${fn.params.join(', ') || 'none'})`,
              where,
            );
        }
        continue;
      }
      throw new WorkflowLoadError(`unknown function or subworkflow "${call.name}"`, where);
    }
  }
}
