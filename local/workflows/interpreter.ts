import { RealClock, type WorkflowClock } from './clock.js';
import { WorkflowException, workflowError } from './errors.js';
import { assign } from './assignment.js';
import {
  evaluate,
  evaluateSync,
  type EvaluationScope,
  type SyncEvaluationScope,
} from './evaluate.js';
import { calledFunctions, type Expr } from './expression.js';
import { httpCall } from './http-call.js';
import { FetchHttpClient, type WorkflowHttpClient } from './http.js';
import type { Step, Subworkflow, Template, Workflow } from './model.js';
import {
  DEFAULT_LIMITS,
  type ExecutionLimits,
  type ExecutionResult,
  type LogEntry,
  type RunOptions,
  type TraceEntry,
} from './run-options.js';
import { Scope, VariableMemory, type Frame } from './scope.js';
import type { Completion, StepContext } from './step-context.js';
import * as stepKinds from './steps.js';
import { STDLIB, type StdlibEnvironment } from './stdlib/index.js';
import {
  cloneValue,
  containsBytes,
  fromJson,
  isNumeric,
  toJson,
  typeName,
  type JsonValue,
  type WfMap,
  type WfValue,
} from './values.js';

/**
 * Runs a loaded workflow (https://cloud.google.com/workflows/docs/reference/syntax) and reports
 * the outcome; it never throws for a workflow error — a failed execution is a result.
 */
export async function runWorkflow(
  workflow: Workflow,
  argument: unknown = null,
  options: RunOptions = {},
): Promise<ExecutionResult> {
  return new Execution(workflow, options).run(argument);
}

/**
 * One execution: its effects (clock, HTTP, environment), limits, trace and logs, subworkflow
 * calls and the evaluation of templates. The step kinds run in steps.ts and the modules it uses.
 */
class Execution implements StepContext {
  readonly clock: WorkflowClock;
  readonly limits: ExecutionLimits;
  readonly memory: VariableMemory;
  private readonly http: WorkflowHttpClient;
  private readonly env: Record<string, string>;
  private readonly trace: TraceEntry[] = [];
  private readonly logs: LogEntry[] = [];
  private steps = 0;
  private readonly stdlibEnv: StdlibEnvironment;
  private readonly subworkflowCalls = new WeakMap<Template, boolean>();

  constructor(
    readonly workflow: Workflow,
    private readonly options: RunOptions,
  ) {
    this.clock = options.clock ?? new RealClock();
    this.http = options.http ?? new FetchHttpClient();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.memory = new VariableMemory(this.limits.maxVariableBytes);
    this.env = {
      GOOGLE_CLOUD_PROJECT_ID: 'local-project',
      GOOGLE_CLOUD_PROJECT_NUMBER: '000000000000',
      GOOGLE_CLOUD_LOCATION: 'local',
      GOOGLE_CLOUD_WORKFLOW_ID:
        workflow.filename?.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '') ?? 'workflow',
      GOOGLE_CLOUD_WORKFLOW_REVISION_ID: '000001-000',
      GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: options.executionId ?? crypto.randomUUID(),
      // Built-in since the stdlib/sys/get_env page lists it among the supported variables.
      GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME: 'workflows-local@local-project.iam.gserviceaccount.com',
      ...options.env,
    };
    this.stdlibEnv = { nowMs: () => this.clock.now(), getEnv: (name) => this.env[name] ?? null };
  }

  async run(argument: unknown): Promise<ExecutionResult> {
    const main = this.workflow.subworkflows.get('main')!;
    try {
      const arg = fromJson(argument);
      const args = new Map<string, WfValue>();
      if (main.params[0]) args.set(main.params[0].name, arg);
      const value = await this.callSubworkflow(main, args, 0, 0);
      if (containsBytes(value))
        throw workflowError(
          'TypeError',
          'bytes cannot be returned by a workflow; encode them with base64.encode',
        );
      return { state: 'SUCCEEDED', result: toJson(value), trace: this.trace, logs: this.logs };
    } catch (err) {
      const error: WfValue =
        err instanceof WorkflowException
          ? err.value
          : workflowError('SystemError', `internal error: ${(err as Error).message ?? String(err)}`)
              .value;
      return { state: 'FAILED', error: safeJson(error), trace: this.trace, logs: this.logs };
    }
  }

  runSteps(steps: Step[], frame: Frame): Promise<Completion> {
    return stepKinds.runSteps(this, steps, frame);
  }

  runStep(step: Step, frame: Frame, inline?: boolean): Promise<Completion> {
    return stepKinds.runStep(this, step, frame, inline);
  }

  async callSubworkflow(
    sub: Subworkflow,
    args: Map<string, WfValue>,
    depth: number,
    parallelDepth: number,
  ): Promise<WfValue> {
    if (depth >= this.limits.maxCallDepth) {
      throw workflowError(
        'RecursionError',
        `maximum call stack depth (${this.limits.maxCallDepth}) exceeded calling "${sub.name}"`,
      );
    }
    const scope = new Scope(undefined);
    for (const [name] of args) {
      if (!sub.params.some((p) => p.name === name))
        throw workflowError('TypeError', `subworkflow "${sub.name}" has no parameter "${name}"`);
    }
    for (const param of sub.params) {
      if (args.has(param.name)) this.memory.bind(scope, param.name, args.get(param.name)!);
      else if (param.defaultValue !== undefined)
        this.memory.bind(scope, param.name, param.defaultValue);
      else
        throw workflowError(
          'TypeError',
          `subworkflow "${sub.name}" is missing required argument "${param.name}"`,
        );
    }
    const frame: Frame = { subworkflow: sub, scope, depth: depth + 1, parallelDepth };
    const completion = await this.memory.withScope(scope, () => this.runSteps(sub.steps, frame));
    switch (completion.type) {
      case 'return':
        return completion.value;
      case 'jump':
        throw workflowError('SystemError', `"next" target "${completion.target}" not found`);
      default:
        return null;
    }
  }

  record(step: Step, frame: Frame): void {
    if (++this.steps > this.limits.maxSteps) {
      throw workflowError(
        'ResourceLimitError',
        `the execution exceeded ${this.limits.maxSteps} steps`,
      );
    }
    const entry: TraceEntry = {
      step: step.name,
      subworkflow: frame.subworkflow.name,
      type: step.action.type === 'none' ? 'next' : step.action.type,
      line: step.line,
      at: this.clock.now(),
    };
    this.trace.push(entry);
    this.options.onStep?.(entry);
  }

  /** Evaluates a template (constants are copied so that later in-place assignment cannot alter the source). */
  async value(template: Template, frame: Frame): Promise<WfValue> {
    if (!this.callsSubworkflow(template)) return this.valueSync(template, frame);
    switch (template.kind) {
      case 'const':
        return cloneValue(template.value);
      case 'expr':
        return evaluate(template.expr, this.scopeFor(frame));
      case 'list': {
        const out: WfValue[] = [];
        for (const item of template.items) out.push(await this.value(item, frame));
        return out;
      }
      case 'map': {
        const out: WfMap = new Map();
        for (const [k, v] of template.entries) out.set(k, await this.value(v, frame));
        return out;
      }
    }
  }

  callsSubworkflow(template: Template): boolean {
    let known = this.subworkflowCalls.get(template);
    if (known === undefined) {
      known =
        template.kind === 'expr'
          ? calledFunctions(template.expr).some((c) => this.workflow.subworkflows.has(c.name))
          : template.kind === 'list'
            ? template.items.some((t) => this.callsSubworkflow(t))
            : template.kind === 'map'
              ? template.entries.some(([, t]) => this.callsSubworkflow(t))
              : false;
      this.subworkflowCalls.set(template, known);
    }
    return known;
  }

  /** Evaluates without suspending, so that a read-modify-write of a shared variable is atomic. */
  valueSync(template: Template, frame: Frame): WfValue {
    switch (template.kind) {
      case 'const':
        return cloneValue(template.value);
      case 'expr':
        return evaluateSync(template.expr, this.syncScopeFor(frame));
      case 'list':
        return template.items.map((t) => this.valueSync(t, frame));
      case 'map':
        return new Map(template.entries.map(([k, t]) => [k, this.valueSync(t, frame)]));
    }
  }

  assign(target: Expr, value: WfValue, frame: Frame): void {
    assign(target, value, frame.scope, this.memory, this.syncScopeFor(frame));
  }

  /** Runs a `call` step target with named arguments. */
  async callNamed(name: string, args: Map<string, WfValue>, frame: Frame): Promise<WfValue> {
    const sub = this.workflow.subworkflows.get(name);
    if (sub) return this.callSubworkflow(sub, args, frame.depth, frame.parallelDepth);
    if (name.startsWith('http.'))
      return httpCall(name, args, {
        http: this.http,
        ...(this.options.tokenProvider ? { tokenProvider: this.options.tokenProvider } : {}),
      });
    if (name === 'sys.sleep') {
      const seconds = args.get('seconds');
      if (!isNumeric(seconds) || Number(seconds) < 0)
        throw workflowError('TypeError', 'sys.sleep: "seconds" must be a non-negative number');
      await this.clock.sleep(Number(seconds) * 1000);
      return null;
    }
    if (name === 'sys.log') {
      const data = args.get('json') ?? args.get('text') ?? args.get('data') ?? null;
      const severity = args.get('severity') ?? 'DEFAULT';
      const entry: LogEntry = {
        severity: typeof severity === 'string' ? severity : 'DEFAULT',
        data: safeJson(data),
        at: this.clock.now(),
      };
      this.logs.push(entry);
      this.options.onLog?.(entry);
      return null;
    }
    const fn = STDLIB.get(name);
    if (!fn) throw workflowError('KeyError', `unknown function "${name}"`);
    const positional = fn.params.map((p) => args.get(p));
    let count = positional.length;
    while (count > 0 && positional[count - 1] === undefined) count--;
    if (count < fn.required)
      throw workflowError('TypeError', `${name}: missing argument "${fn.params[count]}"`);
    return fn.run(
      positional.slice(0, count).map((v) => v ?? null),
      this.stdlibEnv,
    );
  }

  /** Calls a standard-library function with positional arguments (from an expression). */
  private callStdlib(name: string, args: WfValue[]): WfValue {
    const fn = STDLIB.get(name);
    if (!fn) throw workflowError('KeyError', `unknown function "${name}"`);
    if (args.length < fn.required || args.length > fn.params.length) {
      throw workflowError(
        'TypeError',
        `${name}() takes ${fn.required === fn.params.length ? fn.required : `${fn.required} to ${fn.params.length}`} arguments, got ${args.length}`,
      );
    }
    return fn.run(args, this.stdlibEnv);
  }

  private lookup(frame: Frame, name: string): WfValue {
    const scope = frame.scope.find(name);
    if (!scope) throw workflowError('KeyError', `variable "${name}" is not defined`);
    return scope.vars.get(name) as WfValue;
  }

  /** What an expression that may call subworkflows sees. */
  private scopeFor(frame: Frame): EvaluationScope {
    return {
      lookup: (name) => this.lookup(frame, name),
      call: async (name, args) => {
        const sub = this.workflow.subworkflows.get(name);
        if (sub) {
          if (args.length > sub.params.length)
            throw workflowError(
              'TypeError',
              `"${name}" takes at most ${sub.params.length} arguments`,
            );
          const named = new Map<string, WfValue>();
          args.forEach((a, i) => named.set(sub.params[i]!.name, a));
          return this.callSubworkflow(sub, named, frame.depth, frame.parallelDepth);
        }
        return this.callStdlib(name, args);
      },
    };
  }

  /** What an expression that calls no subworkflow sees: it only reads and calls the stdlib. */
  private syncScopeFor(frame: Frame): SyncEvaluationScope {
    return {
      lookup: (name) => this.lookup(frame, name),
      callSync: (name, args) => this.callStdlib(name, args),
    };
  }
}

function safeJson(value: WfValue): JsonValue {
  try {
    return toJson(value);
  } catch {
    return typeName(value);
  }
}
