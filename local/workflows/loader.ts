import { isMap as isYamlMap, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import { checkCalls } from './call-check.js';
import { WorkflowLoadError } from './errors.js';
import { overLimit, SOURCE_SIZE_LIMIT } from './limits.js';
import type { Param, Step, Subworkflow, Template, Workflow } from './model.js';
import { rootScope, StepParser } from './step-parser.js';
import type { WfValue } from './values.js';
import { YamlSource } from './yaml-source.js';

interface Options {
  filename?: string;
}

/**
 * Loads a workflow definition (YAML or JSON) and validates it the way Google validates at
 * deploy time (https://cloud.google.com/workflows/docs/reference/syntax): anything this
 * interpreter does not support is refused here with the step name and line, never skipped.
 */
export function loadWorkflow(source: string, options: Options = {}): Workflow {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > SOURCE_SIZE_LIMIT.value)
    throw new WorkflowLoadError(overLimit(SOURCE_SIZE_LIMIT, bytes, 'bytes'), {
      filename: options.filename,
    });
  return new Loader(new YamlSource(source, options.filename)).load();
}

/** The top level of a definition: `main` and the subworkflows, with their parameters. */
class Loader {
  constructor(private readonly source: YamlSource) {}

  load(): Workflow {
    const root = this.source.parse();
    const subworkflows = new Map<string, Subworkflow>();
    if (isSeq(root)) {
      // The bare-steps form: the whole file is the body of main.
      subworkflows.set('main', {
        name: 'main',
        params: [],
        steps: new StepParser(this.source, 'main').stepList(root, rootScope()),
        line: this.source.lineOf(root) ?? 1,
      });
    } else if (isYamlMap(root)) {
      for (const pair of root.items) {
        const name = this.source.keyOf(pair, undefined);
        subworkflows.set(name, this.subworkflow(name, pair));
      }
      if (!subworkflows.has('main'))
        this.source.fail('a workflow needs a "main" block (or a bare list of steps)', root);
      if (subworkflows.get('main')!.params.length > 1) {
        this.source.fail('"main" takes at most one parameter (the runtime argument)', root);
      }
    } else {
      this.source.fail(
        'a workflow is a list of steps or a map of subworkflows with a "main"',
        root,
      );
    }
    checkCalls(this.source.calls, subworkflows, this.source.filename);
    return { filename: this.source.filename, subworkflows };
  }

  private subworkflow(name: string, pair: Pair): Subworkflow {
    const body = pair.value as YamlNode | null;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      this.source.fail(`invalid subworkflow name "${name}"`, pair.key as YamlNode);
    if (!isYamlMap(body))
      this.source.fail(
        `subworkflow "${name}" must be a map with "steps" (and optional "params")`,
        body ?? (pair.key as YamlNode),
      );
    let params: Param[] = [];
    let steps: Step[] | undefined;
    for (const item of body.items) {
      const key = this.source.keyOf(item, undefined);
      const value = item.value as YamlNode | null;
      if (key === 'params') params = this.params(name, value);
      else if (key === 'steps')
        steps = new StepParser(this.source, name).stepList(value, rootScope());
      else
        this.source.fail(
          `unknown key "${key}" in subworkflow "${name}" (allowed: params, steps)`,
          item.key as YamlNode,
        );
    }
    if (!steps) this.source.fail(`subworkflow "${name}" has no "steps"`, body);
    return { name, params, steps, line: this.source.lineOf(pair.key as YamlNode) ?? 1 };
  }

  private params(subworkflow: string, node: YamlNode | null): Param[] {
    if (!isSeq(node)) this.source.fail(`"params" of "${subworkflow}" must be a list`, node);
    const params: Param[] = [];
    for (const item of node.items as Array<YamlNode | null>) {
      if (isScalar(item) && typeof item.value === 'string') {
        params.push({ name: item.value });
      } else if (isYamlMap(item) && item.items.length === 1) {
        const pair = item.items[0]!;
        params.push({
          name: this.source.keyOf(pair, undefined),
          defaultValue: this.constant(pair.value as YamlNode | null),
        });
      } else {
        this.source.fail(
          `each parameter of "${subworkflow}" is a name or a single-key map {name: default}`,
          item,
        );
      }
    }
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.name))
        this.source.fail(`parameter "${p.name}" of "${subworkflow}" is declared twice`, node);
      seen.add(p.name);
    }
    return params;
  }

  /** A parameter default is a plain value (no expressions). */
  private constant(node: YamlNode | null): WfValue {
    const template = this.source.template(node, undefined);
    if (template.kind === 'const') return template.value;
    const toValue = (t: Template): WfValue => {
      if (t.kind === 'const') return t.value;
      if (t.kind === 'list') return t.items.map(toValue);
      if (t.kind === 'map') return new Map(t.entries.map(([k, v]) => [k, toValue(v)]));
      return this.source.fail('parameter defaults cannot be expressions', node);
    };
    return toValue(template);
  }
}
