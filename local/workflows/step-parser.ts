import {
  isMap as isYamlMap,
  isScalar,
  isSeq,
  type Node as YamlNode,
  type YAMLMap,
  type Pair,
} from 'yaml';
import type {
  Assignment,
  ForLoop,
  RetryPolicy,
  Step,
  StepAction,
  SwitchBranch,
  Template,
} from './model.js';
import {
  ASSIGNMENTS_LIMIT,
  overLimit,
  PARALLEL_BRANCHES_LIMIT,
  SWITCH_CONDITIONS_LIMIT,
} from './limits.js';
import { parseRetryPolicy } from './retry-parser.js';
import type { Entries, YamlSource } from './yaml-source.js';

const RESERVED_NEXT = new Set(['end', 'break', 'continue']);
const MAX_PARALLEL_NESTING = 2;

/** Where a list of steps sits: what `next` may name and which steps are allowed there. */
export interface StepScope {
  /** Step names reachable by `next` from here (own list and enclosing lists). */
  names: Set<string>;
  inLoop: boolean;
  parallelDepth: number;
  inParallel: boolean;
}

/** The scope of a subworkflow's own steps. */
export function rootScope(): StepScope {
  return { names: new Set(), inLoop: false, parallelDepth: 0, inParallel: false };
}

/**
 * Turns the steps of one subworkflow into the model the interpreter runs, refusing what
 * Google refuses at deploy time (unknown or misplaced keys, bad `next` targets, unsupported
 * features) with the step name and line.
 */
export class StepParser {
  /** Every step name of the subworkflow, nested ones included: names are unique in it. */
  private readonly allNames = new Set<string>();

  constructor(
    private readonly source: YamlSource,
    private readonly subworkflow: string,
  ) {}

  /** Parses a list of steps nested in `parent` (its names join those `next` may name). */
  stepList(node: YamlNode | null, parent: StepScope): Step[] {
    if (!isSeq(node) || node.items.length === 0)
      this.source.fail('"steps" must be a non-empty list of steps', node);
    const items = node.items as Array<YamlNode | null>;
    const names = new Set(parent.names);
    const own: Array<{ name: string; pair: Pair; item: YamlNode }> = [];
    for (const item of items) {
      if (!isYamlMap(item) || item.items.length !== 1) {
        this.source.fail('each step is a single-key map: "- step_name: {...}"', item);
      }
      const pair = item.items[0]!;
      const name = this.source.keyOf(pair, undefined);
      if (this.allNames.has(name))
        this.source.fail(
          `duplicate step name "${name}" in "${this.subworkflow}"`,
          pair.key as YamlNode,
          name,
        );
      if (RESERVED_NEXT.has(name))
        this.source.fail(
          `"${name}" is reserved and cannot name a step`,
          pair.key as YamlNode,
          name,
        );
      this.allNames.add(name);
      names.add(name);
      own.push({ name, pair, item });
    }
    const scope: StepScope = { ...parent, names };
    return own.map(({ name, pair }) =>
      this.step(name, pair.value as YamlNode | null, pair.key as YamlNode, scope),
    );
  }

  private step(name: string, node: YamlNode | null, keyNode: YamlNode, scope: StepScope): Step {
    if (!isYamlMap(node)) this.source.fail('a step body must be a map', node ?? keyNode, name);
    return this.stepBody(name, node, scope, this.source.lineOf(keyNode) ?? 1);
  }

  /** Parses a step body (also the inline body of a switch condition or a `try`). */
  private stepBody(name: string, node: YAMLMap, scope: StepScope, line: number): Step {
    const keys = this.source.entries(node, name);
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
      this.source.fail(
        'callbacks (events.*) are not supported by the local interpreter',
        node,
        name,
      );
    }
    if (main.length > 1) {
      this.source.fail(`a step can have only one of ${main.join(', ')}`, node, name);
    }
    const kind = main[0] ?? 'none';
    const allowed = new Set(allowedWith[kind] ?? []);
    for (const [key, { key: keyNode }] of keys) {
      if (!allowed.has(key)) {
        this.source.fail(
          `unknown or misplaced key "${key}" in a ${kind === 'none' ? 'step' : `"${kind}" step`}`,
          keyNode,
          name,
        );
      }
    }
    if (kind === 'none' && !keys.has('next'))
      this.source.fail(
        'a step must do something (assign, call, switch, for, parallel, try, raise, return, steps or next)',
        node,
        name,
      );
    const next = keys.get('next');
    let nextTarget: string | undefined;
    if (next) {
      const value = next.value;
      if (!isScalar(value) || typeof value.value !== 'string')
        this.source.fail('"next" must be a step name', value ?? next.key, name);
      nextTarget = value.value;
      this.checkNext(nextTarget, scope, value, name);
    }
    const action = this.action(kind, name, keys, scope);
    return { name, line, action, ...(nextTarget === undefined ? {} : { next: nextTarget }) };
  }

  private checkNext(target: string, scope: StepScope, node: YamlNode, step: string): void {
    if (target === 'end') return;
    if (target === 'break' || target === 'continue') {
      if (!scope.inLoop)
        this.source.fail(`"next: ${target}" is only allowed inside a for loop`, node, step);
      return;
    }
    if (target.startsWith('${'))
      this.source.fail('"next" must name a step; expressions are not allowed', node, step);
    if (!scope.names.has(target))
      this.source.fail(`"next" refers to unknown step "${target}"`, node, step);
  }

  private action(kind: string, name: string, keys: Entries, scope: StepScope): StepAction {
    const get = (k: string): YamlNode | null => keys.get(k)!.value;
    switch (kind) {
      case 'assign':
        return { type: 'assign', assignments: this.assignments(get('assign'), name) };
      case 'call':
        return this.call(name, keys);
      case 'switch':
        return { type: 'switch', branches: this.switchBranches(get('switch'), name, scope) };
      case 'for':
        return { type: 'for', loop: this.forLoop(get('for'), name, { ...scope, inLoop: true }) };
      case 'parallel':
        return this.parallel(get('parallel'), name, scope);
      case 'try':
        return this.tryStep(name, keys, scope);
      case 'raise':
        return { type: 'raise', value: this.source.template(get('raise'), name) };
      case 'return':
        if (scope.inParallel)
          this.source.fail(
            '"return" is not allowed inside a parallel branch or loop',
            keys.get('return')!.key,
            name,
          );
        return { type: 'return', value: this.source.template(get('return'), name) };
      case 'steps':
        return { type: 'steps', steps: this.stepList(get('steps'), scope) };
      default:
        return { type: 'none' };
    }
  }

  private assignments(node: YamlNode | null, step: string): Assignment[] {
    if (!isSeq(node) || node.items.length === 0)
      this.source.fail('"assign" must be a non-empty list of single-key maps', node, step);
    if (node.items.length > ASSIGNMENTS_LIMIT.value)
      this.source.fail(overLimit(ASSIGNMENTS_LIMIT, node.items.length, 'assignments'), node, step);
    return (node.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item) || item.items.length !== 1)
        this.source.fail('each assignment is a single-key map "- name: value"', item, step);
      const pair = item.items[0]!;
      const targetText = this.source.keyOf(pair, step);
      return {
        target: this.source.target(targetText, pair.key as YamlNode, step),
        targetText,
        value: this.source.template(pair.value as YamlNode | null, step),
      };
    });
  }

  private call(name: string, keys: Entries): StepAction {
    const callNode = keys.get('call')!.value;
    if (!isScalar(callNode) || typeof callNode.value !== 'string')
      this.source.fail('"call" must name a function or subworkflow', callNode, name);
    const fn = callNode.value;
    if (fn.startsWith('googleapis.'))
      this.source.fail(
        `connector "${fn}" is not supported by the local interpreter`,
        callNode,
        name,
      );
    if (fn.startsWith('events.'))
      this.source.fail(
        `"${fn}": callbacks are not supported by the local interpreter`,
        callNode,
        name,
      );
    let args: Array<[string, Template]> | undefined;
    const argsEntry = keys.get('args');
    if (argsEntry) {
      const argsNode = argsEntry.value;
      if (!isYamlMap(argsNode))
        this.source.fail('"args" must be a map', argsNode ?? argsEntry.key, name);
      args = argsNode.items.map((pair) => [
        this.source.keyOf(pair, name),
        this.source.template(pair.value as YamlNode | null, name),
      ]);
    }
    let result: Assignment | undefined;
    const resultEntry = keys.get('result');
    if (resultEntry) {
      const node = resultEntry.value;
      if (!isScalar(node) || typeof node.value !== 'string')
        this.source.fail('"result" must be a variable name', node ?? resultEntry.key, name);
      result = {
        target: this.source.target(node.value, node, name),
        targetText: node.value,
        value: { kind: 'const', value: null },
      };
    }
    this.source.calls.push({
      name: fn,
      line: this.source.lineOf(callNode) ?? 0,
      step: name,
      inExpression: false,
      argNames: args?.map(([k]) => k) ?? [],
    });
    return { type: 'call', function: fn, ...(args ? { args } : {}), ...(result ? { result } : {}) };
  }

  private switchBranches(node: YamlNode | null, step: string, scope: StepScope): SwitchBranch[] {
    if (!isSeq(node) || node.items.length === 0)
      this.source.fail('"switch" must be a non-empty list of conditions', node, step);
    if (node.items.length > SWITCH_CONDITIONS_LIMIT.value)
      this.source.fail(
        overLimit(SWITCH_CONDITIONS_LIMIT, node.items.length, 'conditions'),
        node,
        step,
      );
    return (node.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item))
        this.source.fail('each switch entry is a map with "condition"', item, step);
      const keys = this.source.entries(item, step);
      const condition = keys.get('condition');
      if (!condition) this.source.fail('a switch entry needs a "condition"', item, step);
      const rest = item.clone() as YAMLMap;
      rest.items = rest.items.filter((p) => (p.key as { value?: unknown }).value !== 'condition');
      if (rest.items.length === 0) {
        this.source.fail(
          'a switch entry needs "next", "steps", "return", "raise", "assign" or "call"',
          item,
          step,
        );
      }
      const body = this.stepBody(step, rest, scope, this.source.lineOf(item) ?? 0);
      return {
        condition: this.source.template(condition.value, step),
        body,
        line: this.source.lineOf(item) ?? 0,
      };
    });
  }

  private forLoop(node: YamlNode | null, step: string, scope: StepScope): ForLoop {
    if (!isYamlMap(node))
      this.source.fail('"for" must be a map with value, in|range and steps', node, step);
    const keys = this.source.entries(node, step);
    this.source.allowOnly(keys, ['value', 'index', 'in', 'range', 'steps'], '"for"', step);
    const variable = (k: string): string | undefined => {
      const entry = keys.get(k);
      if (!entry) return undefined;
      if (
        !isScalar(entry.value) ||
        typeof entry.value.value !== 'string' ||
        !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.value.value)
      ) {
        this.source.fail(`"for.${k}" must be a variable name`, entry.value ?? entry.key, step);
      }
      return entry.value.value;
    };
    const value = variable('value');
    const index = variable('index');
    if (!value && !index) this.source.fail('"for" needs "value" (and/or "index")', node, step);
    if (keys.has('in') === keys.has('range'))
      this.source.fail('"for" needs exactly one of "in" and "range"', node, step);
    if (keys.has('range') && index)
      this.source.fail('"index" cannot be used with "range"', keys.get('index')!.key, step);
    if (!keys.has('steps')) this.source.fail('"for" needs "steps"', node, step);
    const rangeTemplate = keys.has('range')
      ? this.source.template(keys.get('range')!.value, step)
      : undefined;
    if (rangeTemplate?.kind === 'list' && rangeTemplate.items.length !== 2)
      this.source.fail(
        '"range" must be a list of two numbers [start, end]',
        keys.get('range')!.value,
        step,
      );
    return {
      value: value ?? '',
      ...(index ? { index } : {}),
      ...(keys.has('in') ? { in: this.source.template(keys.get('in')!.value, step) } : {}),
      ...(rangeTemplate ? { range: rangeTemplate } : {}),
      steps: this.stepList(keys.get('steps')!.value, { ...scope, names: new Set(), inLoop: true }),
      line: this.source.lineOf(node) ?? 0,
    };
  }

  private parallel(node: YamlNode | null, step: string, scope: StepScope): StepAction {
    if (!isYamlMap(node))
      this.source.fail('"parallel" must be a map with branches or for', node, step);
    const depth = scope.parallelDepth + 1;
    if (depth > MAX_PARALLEL_NESTING)
      this.source.fail(
        `parallel steps can be nested at most ${MAX_PARALLEL_NESTING} deep`,
        node,
        step,
      );
    const keys = this.source.entries(node, step);
    this.source.allowOnly(
      keys,
      ['exception_policy', 'shared', 'concurrency_limit', 'branches', 'for'],
      '"parallel"',
      step,
    );
    const policy = keys.get('exception_policy');
    if (policy && (!isScalar(policy.value) || policy.value.value !== 'continueAll')) {
      this.source.fail(
        '"exception_policy" supports only "continueAll"',
        policy.value ?? policy.key,
        step,
      );
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
        this.source.fail('"shared" must be a list of variable names', v ?? sharedEntry.key, step);
      }
      shared = (v.items as Array<{ value: string }>).map((i) => i.value);
    }
    if (keys.has('branches') === keys.has('for'))
      this.source.fail('"parallel" needs exactly one of "branches" and "for"', node, step);
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
      ...(concurrency ? { concurrencyLimit: this.source.template(concurrency.value, step) } : {}),
    };
    if (keys.has('for')) {
      return {
        ...base,
        loop: this.forLoop(keys.get('for')!.value, step, { ...inner, inLoop: true }),
      };
    }
    const branchesNode = keys.get('branches')!.value;
    if (!isSeq(branchesNode) || branchesNode.items.length < 2)
      this.source.fail('"branches" must list at least two branches', branchesNode, step);
    if (branchesNode.items.length > PARALLEL_BRANCHES_LIMIT.value)
      this.source.fail(
        overLimit(PARALLEL_BRANCHES_LIMIT, branchesNode.items.length, 'branches'),
        branchesNode,
        step,
      );
    const branches = (branchesNode.items as Array<YamlNode | null>).map((item) => {
      if (!isYamlMap(item) || item.items.length !== 1)
        this.source.fail(
          'each branch is a single-key map "- branch_name: {steps: [...]}"',
          item,
          step,
        );
      const pair = item.items[0]!;
      const branchName = this.source.keyOf(pair, step);
      const body = pair.value as YamlNode | null;
      if (!isYamlMap(body))
        this.source.fail(
          `branch "${branchName}" must be a map with "steps"`,
          body ?? (pair.key as YamlNode),
          step,
        );
      const bodyKeys = this.source.entries(body, branchName);
      this.source.allowOnly(bodyKeys, ['steps'], `branch "${branchName}"`, branchName);
      if (!bodyKeys.has('steps'))
        this.source.fail(`branch "${branchName}" needs "steps"`, body, branchName);
      return {
        name: branchName,
        line: this.source.lineOf(pair.key as YamlNode) ?? 0,
        steps: this.stepList(bodyKeys.get('steps')!.value, inner),
      };
    });
    return { ...base, branches };
  }

  private tryStep(name: string, keys: Entries, scope: StepScope): StepAction {
    const tryNode = keys.get('try')!.value;
    if (!isYamlMap(tryNode))
      this.source.fail(
        '"try" must be a map (a call or "steps")',
        tryNode ?? keys.get('try')!.key,
        name,
      );
    const body = this.stepBody(name, tryNode, scope, this.source.lineOf(tryNode) ?? 0);
    let retry: RetryPolicy | undefined;
    const retryEntry = keys.get('retry');
    if (retryEntry) retry = parseRetryPolicy(this.source, retryEntry.value, name);
    let except: { as?: string; steps: Step[] } | undefined;
    const exceptEntry = keys.get('except');
    if (exceptEntry) {
      const node = exceptEntry.value;
      if (!isYamlMap(node))
        this.source.fail(
          '"except" must be a map with "as" and "steps"',
          node ?? exceptEntry.key,
          name,
        );
      const exceptKeys = this.source.entries(node, name);
      this.source.allowOnly(exceptKeys, ['as', 'steps'], '"except"', name);
      const asEntry = exceptKeys.get('as');
      if (asEntry && (!isScalar(asEntry.value) || typeof asEntry.value.value !== 'string'))
        this.source.fail('"except.as" must be a variable name', asEntry.value ?? asEntry.key, name);
      if (!exceptKeys.has('steps')) this.source.fail('"except" needs "steps"', node, name);
      except = {
        ...(asEntry ? { as: (asEntry.value as { value: string }).value } : {}),
        steps: this.stepList(exceptKeys.get('steps')!.value, scope),
      };
    }
    if (!retry && !except)
      this.source.fail('"try" needs "retry" or "except"', keys.get('try')!.key, name);
    return { type: 'try', body, ...(retry ? { retry } : {}), ...(except ? { except } : {}) };
  }
}
