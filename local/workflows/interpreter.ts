import { RealClock, type WorkflowClock } from './clock.js';
import { WorkflowException, workflowError } from './errors.js';
import { evaluate, evaluateSync, indexOf, memberOf, type EvaluationScope } from './evaluate.js';
import { calledFunctions } from './expression.js';
import type { Expr } from './expression.js';
import { FetchHttpClient, HttpTransportError, type WorkflowHttpClient } from './http.js';
import type { ForLoop, RetryPolicy, Step, Subworkflow, Template, Workflow } from './model.js';
import { decodeJsonText, defaultRetryPredicate, STDLIB, type StdlibEnvironment } from './stdlib.js';
import {
  approximateSize,
  cloneValue,
  containsBytes,
  encodeJson,
  fromJson,
  isBytes,
  isList,
  isMap,
  isNumeric,
  toJson,
  typeName,
  type JsonValue,
  type WfMap,
  type WfValue,
} from './values.js';

/** Asks for an OIDC ID token or an OAuth2 access token for an `auth:` HTTP call. */
export type TokenProvider = (request: {
  type: 'OIDC' | 'OAuth2';
  url: string;
  audience?: string;
  scopes?: string[];
}) => Promise<string>;

/** One executed step, in execution order. */
export interface TraceEntry {
  /** Step name (the parent step's name for inline switch/try bodies). */
  step: string;
  subworkflow: string;
  /** What the step did: assign, call, switch, for, parallel, try, raise, return, steps, next. */
  type: string;
  line: number;
  /** Clock time in ms when the step started. */
  at: number;
}

/** A `sys.log` entry. */
export interface LogEntry {
  severity: string;
  data: JsonValue;
  at: number;
}

/** Limits of one execution (https://cloud.google.com/workflows/quotas). */
export interface ExecutionLimits {
  /** Maximum call stack depth (subworkflow calls, predicates, expression calls). */
  maxCallDepth: number;
  /**
   * Maximum memory of all live variables and arguments of the execution, together, in bytes as
   * syntax/variables#memory-usage counts them ("The maximum amount of memory that you can use, in
   * total, for all variables that you define in a single workflow execution").
   */
  maxVariableBytes: number;
  /** Maximum number of steps one execution may run. */
  maxSteps: number;
}

/** Default limits, from the Workflows quotas page. */
export const DEFAULT_LIMITS: ExecutionLimits = {
  maxCallDepth: 20,
  maxVariableBytes: 512 * 1024,
  maxSteps: 100_000,
};

/** How one execution runs: every effect is injectable. */
export interface RunOptions {
  /** Time source; a VirtualClock makes sleeps and backoffs instant. Default: real time. */
  clock?: WorkflowClock;
  /** HTTP transport for `http.*`. Default: Node's fetch. */
  http?: WorkflowHttpClient;
  /** User environment variables plus overrides of the GOOGLE_CLOUD_* built-ins. */
  env?: Record<string, string>;
  /** Supplies tokens for `auth: {type: OIDC|OAuth2}`. Without it such calls raise AuthError. */
  tokenProvider?: TokenProvider;
  /** Called before each step runs. */
  onStep?: (entry: TraceEntry) => void;
  /** Called for each `sys.log`. */
  onLog?: (entry: LogEntry) => void;
  /** Execution id (GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID). Default: a random UUID. */
  executionId?: string;
  limits?: Partial<ExecutionLimits>;
}

/** The outcome of an execution, as the Executions API reports it, plus the step trace. */
export type ExecutionResult =
  | { state: 'SUCCEEDED'; result: JsonValue; trace: TraceEntry[]; logs: LogEntry[] }
  | { state: 'FAILED'; error: JsonValue; trace: TraceEntry[]; logs: LogEntry[] };

type Completion =
  | { type: 'normal' }
  | { type: 'return'; value: WfValue }
  | { type: 'end' }
  | { type: 'break' }
  | { type: 'continue' }
  | { type: 'jump'; target: string };

const NORMAL: Completion = { type: 'normal' };

/** A variable scope: a subworkflow's, a loop's, an except block's or a parallel branch's. */
class Scope {
  /** Read-only by convention: every write goes through `bind` or `grow` so `bytes` stays exact. */
  readonly vars = new Map<string, WfValue>();
  /** approximateSize of each variable, kept so an overwrite need not measure the old value. */
  private readonly sizes = new Map<string, number>();
  /** Sum of `sizes`: what this scope adds to the memory limit while it is live. */
  bytes = 0;
  /** Set while the scope is counted by the execution (see Execution.withScope). */
  live = false;
  constructor(
    readonly parent: Scope | undefined,
    /** Set for a parallel branch: only these parent variables may be assigned from inside. */
    readonly shared?: ReadonlySet<string>,
  ) {}

  /** Sets `name` to `value`, which uses `size` bytes; returns the change in this scope's bytes. */
  bind(name: string, value: WfValue, size: number): number {
    const delta = size - (this.sizes.get(name) ?? 0);
    this.vars.set(name, value);
    this.sizes.set(name, size);
    this.bytes += delta;
    return delta;
  }

  /** Bytes `name` uses now (0 when unset). */
  sizeOf(name: string): number {
    return this.sizes.get(name) ?? 0;
  }

  /** Records that the value of `name` changed in place by `delta` bytes (a nested assignment). */
  grow(name: string, delta: number): void {
    this.sizes.set(name, this.sizeOf(name) + delta);
    this.bytes += delta;
  }

  find(name: string): Scope | undefined {
    return this.vars.has(name) ? this : this.parent?.find(name);
  }

  /** The scope an assignment to `name` writes to: where it lives, else this one. */
  writable(name: string): Scope {
    return this.owner(name) ?? this;
  }

  private owner(name: string): Scope | undefined {
    if (this.vars.has(name)) return this;
    if (this.shared && !this.shared.has(name) && this.parent?.find(name)) {
      throw workflowError(
        'TypeError',
        `variable "${name}" of the enclosing scope is not listed in "shared" of the parallel step`,
      );
    }
    return this.parent?.owner(name);
  }
}

interface Frame {
  subworkflow: Subworkflow;
  scope: Scope;
  depth: number;
  parallelDepth: number;
}

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

class Execution {
  private readonly clock: WorkflowClock;
  private readonly http: WorkflowHttpClient;
  private readonly limits: ExecutionLimits;
  private readonly env: Record<string, string>;
  private readonly trace: TraceEntry[] = [];
  private readonly logs: LogEntry[] = [];
  private steps = 0;
  private readonly stdlibEnv: StdlibEnvironment;
  /**
   * Bytes of every variable of every live scope, across the call stack and parallel branches:
   * the memory limit counts them all. Kept up to date on each write and on scope entry and exit,
   * so a check costs the size of the value written, not of all variables.
   */
  private liveBytes = 0;

  constructor(
    private readonly workflow: Workflow,
    private readonly options: RunOptions,
  ) {
    this.clock = options.clock ?? new RealClock();
    this.http = options.http ?? new FetchHttpClient();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
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

  private async callSubworkflow(
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
      if (args.has(param.name)) this.bind(scope, param.name, args.get(param.name)!);
      else if (param.defaultValue !== undefined) this.bind(scope, param.name, param.defaultValue);
      else
        throw workflowError(
          'TypeError',
          `subworkflow "${sub.name}" is missing required argument "${param.name}"`,
        );
    }
    const frame: Frame = { subworkflow: sub, scope, depth: depth + 1, parallelDepth };
    const completion = await this.withScope(scope, () => this.runSteps(sub.steps, frame));
    switch (completion.type) {
      case 'return':
        return completion.value;
      case 'jump':
        throw workflowError('SystemError', `"next" target "${completion.target}" not found`);
      default:
        return null;
    }
  }

  private async runSteps(steps: Step[], frame: Frame): Promise<Completion> {
    let i = 0;
    while (i < steps.length) {
      const step = steps[i]!;
      let completion = await this.runStep(step, frame);
      if (completion.type === 'normal' && step.next !== undefined)
        completion = nextCompletion(step.next);
      if (completion.type === 'normal') {
        i++;
        continue;
      }
      if (completion.type === 'jump') {
        const target = steps.findIndex((s) => s.name === completion.target);
        if (target >= 0) {
          i = target;
          continue;
        }
      }
      return completion;
    }
    return NORMAL;
  }

  private async runStep(step: Step, frame: Frame, inline = false): Promise<Completion> {
    if (!inline) this.record(step, frame);
    const action = step.action;
    switch (action.type) {
      case 'none':
        return NORMAL;
      case 'assign':
        for (const a of action.assignments) {
          // Without a subworkflow call, evaluate-and-write has no suspension point: atomic.
          const value = this.callsSubworkflow(a.value)
            ? await this.value(a.value, frame)
            : this.valueSync(a.value, frame);
          this.assign(a.target, value, frame);
        }
        return NORMAL;
      case 'call': {
        const args = new Map<string, WfValue>();
        for (const [k, t] of action.args ?? []) args.set(k, await this.value(t, frame));
        const result = await this.callNamed(action.function, args, frame);
        if (action.result) this.assign(action.result.target, result, frame);
        return NORMAL;
      }
      case 'switch':
        for (const branch of action.branches) {
          const condition = await this.value(branch.condition, frame);
          if (typeof condition !== 'boolean') {
            throw workflowError(
              'TypeError',
              `switch condition must be boolean, got ${typeName(condition)}`,
            );
          }
          if (!condition) continue;
          const completion = await this.runStep(branch.body, frame, true);
          if (completion.type === 'normal' && branch.body.next !== undefined)
            return nextCompletion(branch.body.next);
          return completion;
        }
        return NORMAL;
      case 'for':
        return this.runFor(action.loop, frame);
      case 'parallel':
        return this.runParallel(step, action, frame);
      case 'try':
        return this.runTry(action, frame);
      case 'raise':
        throw new WorkflowException(await this.value(action.value, frame));
      case 'return':
        return { type: 'return', value: await this.value(action.value, frame) };
      case 'steps':
        return this.runSteps(action.steps, frame);
    }
  }

  private record(step: Step, frame: Frame): void {
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

  private async runFor(loop: ForLoop, frame: Frame): Promise<Completion> {
    const items = await this.loopItems(loop, frame);
    // Loop variables and variables first assigned in the body stay local to the loop (iteration page).
    const loopFrame: Frame = { ...frame, scope: new Scope(frame.scope) };
    return this.withScope(loopFrame.scope, async () => {
      for (let i = 0; i < items.length; i++) {
        if (loop.value) this.bind(loopFrame.scope, loop.value, items[i]!);
        if (loop.index) this.bind(loopFrame.scope, loop.index, BigInt(i));
        const completion = await this.runSteps(loop.steps, loopFrame);
        if (completion.type === 'break') break;
        if (completion.type === 'continue' || completion.type === 'normal') continue;
        return completion;
      }
      return NORMAL;
    });
  }

  private async loopItems(loop: ForLoop, frame: Frame): Promise<WfValue[]> {
    if (loop.in) {
      const list = await this.value(loop.in, frame);
      if (!isList(list))
        throw workflowError('TypeError', `"for.in" must be a list, got ${typeName(list)}`);
      return [...list];
    }
    const range = await this.value(loop.range!, frame);
    if (!isList(range) || range.length !== 2 || !range.every(isNumeric)) {
      throw workflowError('TypeError', '"for.range" must be a list of two numbers [start, end]');
    }
    const [start, end] = range as Array<bigint | number>;
    const items: WfValue[] = [];
    // Both ends are inclusive; a double bound makes the loop variable a double (iteration page).
    if (typeof start === 'bigint' && typeof end === 'bigint') {
      for (let v = start; v <= end; v++) items.push(v);
    } else {
      for (let v = Number(start); v <= Number(end); v++) items.push(v);
    }
    if (items.length > this.limits.maxSteps)
      throw workflowError('ResourceLimitError', 'range too large');
    return items;
  }

  private async runParallel(
    step: Step,
    action: Extract<Step['action'], { type: 'parallel' }>,
    frame: Frame,
  ): Promise<Completion> {
    const parallelDepth = frame.parallelDepth + 1;
    if (parallelDepth > 2)
      throw workflowError(
        'ParallelNestingError',
        `parallel step "${step.name}" exceeds the maximum nesting depth of 2`,
      );
    let limit = Infinity;
    if (action.concurrencyLimit) {
      const value = await this.value(action.concurrencyLimit, frame);
      if (typeof value !== 'bigint' || value < 1n)
        throw workflowError('ValueError', '"concurrency_limit" must be a positive integer');
      limit = Number(value);
    }
    const shared = new Set(action.shared);
    for (const name of shared) {
      if (!frame.scope.find(name))
        throw workflowError(
          'KeyError',
          `shared variable "${name}" must be defined before the parallel step`,
        );
    }
    type Job = {
      id: string;
      run: (f: Frame) => Promise<Completion>;
      bind?: (scope: Scope) => void;
    };
    const jobs: Job[] = [];
    if (action.branches) {
      for (const branch of action.branches)
        jobs.push({ id: branch.name, run: (f) => this.runSteps(branch.steps, f) });
    } else {
      const loop = action.loop!;
      const items = await this.loopItems(loop, frame);
      items.forEach((item, i) =>
        jobs.push({
          id: String(i),
          run: (f) => this.runSteps(loop.steps, f),
          bind: (scope) => {
            if (loop.value) this.bind(scope, loop.value, item);
            if (loop.index) this.bind(scope, loop.index, BigInt(i));
          },
        }),
      );
    }
    const failures: Array<{ id: string; error: WfValue }> = [];
    let stopped = false;
    let nextJob = 0;
    const worker = async (): Promise<void> => {
      while (nextJob < jobs.length && !stopped) {
        const job = jobs[nextJob++]!;
        const scope = new Scope(frame.scope, shared);
        job.bind?.(scope);
        try {
          const completion = await this.withScope(scope, () =>
            job.run({ ...frame, scope, parallelDepth }),
          );
          if (completion.type === 'break') stopped = true;
          else if (completion.type !== 'normal' && completion.type !== 'continue') {
            throw workflowError(
              'SystemError',
              `"${completion.type}" cannot leave a parallel branch`,
            );
          }
        } catch (err) {
          if (!(err instanceof WorkflowException)) throw err;
          failures.push({ id: job.id, error: err.value });
        }
      }
    };
    const workers = Math.min(limit, jobs.length);
    await Promise.all(Array.from({ length: workers }, () => worker()));
    if (failures.length) {
      // exception_policy continueAll: every branch ran to the end before the error is raised.
      throw workflowError(
        'UnhandledBranchError',
        'UnhandledBranchError: One or more branches or iterations encountered an unhandled runtime error',
        {
          branches: failures.map(
            (f) =>
              new Map<string, WfValue>([
                ['id', f.id],
                ['error', f.error],
              ]),
          ),
          truncated: false,
        },
      );
    }
    return NORMAL;
  }

  private async runTry(
    action: Extract<Step['action'], { type: 'try' }>,
    frame: Frame,
  ): Promise<Completion> {
    let retries = 0;
    const policy = action.retry ? await this.retrySettings(action.retry, frame) : undefined;
    for (;;) {
      try {
        const completion = await this.runStep(action.body, frame, true);
        if (completion.type === 'normal' && action.body.next !== undefined)
          return nextCompletion(action.body.next);
        return completion;
      } catch (err) {
        if (!(err instanceof WorkflowException)) throw err;
        if (
          policy &&
          retries < policy.maxRetries &&
          (await this.predicate(action.retry!, err.value, frame))
        ) {
          // Backoff: initial_delay * multiplier^n, capped at max_delay (retrying page).
          const delay = Math.min(
            policy.initialDelay * policy.multiplier ** retries,
            policy.maxDelay,
          );
          retries++;
          await this.clock.sleep(delay * 1000);
          continue;
        }
        if (!action.except) throw err;
        const scope = new Scope(frame.scope);
        if (action.except.as) this.bind(scope, action.except.as, err.value);
        return this.withScope(scope, () =>
          this.runSteps(action.except!.steps, { ...frame, scope }),
        );
      }
    }
  }

  private async retrySettings(
    policy: RetryPolicy,
    frame: Frame,
  ): Promise<{ maxRetries: number; initialDelay: number; maxDelay: number; multiplier: number }> {
    const num = async (t: Template, name: string, integer: boolean): Promise<number> => {
      const v = await this.value(t, frame);
      if (integer ? typeof v !== 'bigint' : !isNumeric(v))
        throw workflowError(
          'TypeError',
          `retry "${name}" must be ${integer ? 'an integer' : 'a number'}, got ${typeName(v)}`,
        );
      const n = Number(v);
      if (n < 0) throw workflowError('ValueError', `retry "${name}" must not be negative`);
      return n;
    };
    return {
      maxRetries: await num(policy.maxRetries, 'max_retries', true),
      initialDelay: await num(policy.initialDelay, 'initial_delay', false),
      maxDelay: await num(policy.maxDelay, 'max_delay', false),
      multiplier: await num(policy.multiplier, 'multiplier', false),
    };
  }

  private async predicate(policy: RetryPolicy, error: WfValue, frame: Frame): Promise<boolean> {
    let verdict: WfValue;
    if (policy.predicate.kind === 'builtin') {
      switch (policy.predicate.name) {
        case 'retry.always':
          return true;
        case 'retry.never':
          return false;
        default:
          return defaultRetryPredicate(
            error,
            policy.predicate.name === 'http.default_retry_predicate',
          );
      }
    } else {
      const sub = this.workflow.subworkflows.get(policy.predicate.name)!;
      const param = sub.params[0];
      if (!param)
        throw workflowError(
          'TypeError',
          `retry predicate "${sub.name}" must take one parameter (the error)`,
        );
      verdict = await this.callSubworkflow(
        sub,
        new Map([[param.name, error]]),
        frame.depth,
        frame.parallelDepth,
      );
    }
    if (typeof verdict !== 'boolean')
      throw workflowError(
        'TypeError',
        `retry predicate must return a boolean, got ${typeName(verdict)}`,
      );
    return verdict;
  }

  /** Evaluates a template (constants are copied so that later in-place assignment cannot alter the source). */
  private async value(template: Template, frame: Frame): Promise<WfValue> {
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

  private readonly subworkflowCalls = new WeakMap<Template, boolean>();

  private callsSubworkflow(template: Template): boolean {
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
  private valueSync(template: Template, frame: Frame): WfValue {
    switch (template.kind) {
      case 'const':
        return cloneValue(template.value);
      case 'expr': {
        const scope = this.scopeFor(frame);
        return evaluateSync(template.expr, {
          lookup: scope.lookup,
          callSync: (name, args) => this.callStdlib(name, args),
        });
      }
      case 'list':
        return template.items.map((t) => this.valueSync(t, frame));
      case 'map':
        return new Map(template.entries.map(([k, t]) => [k, this.valueSync(t, frame)]));
    }
  }

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

  private scopeFor(frame: Frame): EvaluationScope {
    return {
      lookup: (name) => {
        const scope = frame.scope.find(name);
        if (!scope) throw workflowError('KeyError', `variable "${name}" is not defined`);
        return scope.vars.get(name) as WfValue;
      },
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
        const fn = STDLIB.get(name);
        if (!fn) throw workflowError('KeyError', `unknown function "${name}"`);
        if (args.length < fn.required || args.length > fn.params.length) {
          throw workflowError(
            'TypeError',
            `${name}() takes ${fn.required === fn.params.length ? fn.required : `${fn.required} to ${fn.params.length}`} arguments, got ${args.length}`,
          );
        }
        return fn.run(args, this.stdlibEnv);
      },
    };
  }

  /** Runs `body` with `scope` counted by the memory limit until it ends. */
  private async withScope<T>(scope: Scope, body: () => Promise<T>): Promise<T> {
    scope.live = true;
    this.liveBytes += scope.bytes;
    try {
      return await body();
    } finally {
      // Writes made while live were added to liveBytes too, so scope.bytes is exactly its share.
      this.liveBytes -= scope.bytes;
      scope.live = false;
    }
  }

  /**
   * Binds a variable without a limit check (arguments, loop and except variables: the check
   * comes with the next assignment). The value is copied: Workflows has no references, and a
   * value shared with another variable would let a nested assignment change both, leaving the
   * other's recorded size stale.
   */
  private bind(scope: Scope, name: string, value: WfValue): void {
    const copy = cloneValue(value);
    this.recordGrowth(scope, scope.bind(name, copy, approximateSize(copy)));
  }

  private recordGrowth(scope: Scope, delta: number): void {
    if (scope.live) this.liveBytes += delta;
  }

  /** Raises ResourceLimitError when growing the variables by `delta` bytes would pass the limit. */
  private ensureMemoryFor(delta: number): void {
    if (this.liveBytes + delta > this.limits.maxVariableBytes) {
      throw workflowError(
        'ResourceLimitError',
        `the variables of this execution exceed the memory limit of ${this.limits.maxVariableBytes} bytes`,
      );
    }
  }

  /** Assigns to `name`, `name.key` or `name[i]` (chained); the root variable may be new. */
  private assign(target: Expr, written: WfValue, frame: Frame): void {
    // A copy, for the reason `bind` gives; measured once, it is what the limit counts.
    const value = cloneValue(written);
    const size = approximateSize(value);
    if (target.kind === 'variable') {
      const owner = frame.scope.writable(target.name);
      // The limit is on the total of all variables, checked before the write so a failed
      // assignment leaves the old value in place.
      this.ensureMemoryFor(size - owner.sizeOf(target.name));
      this.recordGrowth(owner, owner.bind(target.name, value, size));
      return;
    }
    const path: Array<{ key: string } | { index: Expr }> = [];
    let cursor: Expr = target;
    while (cursor.kind === 'member' || cursor.kind === 'index') {
      path.unshift(cursor.kind === 'member' ? { key: cursor.name } : { index: cursor.index });
      cursor = cursor.object;
    }
    if (cursor.kind !== 'variable') throw workflowError('TypeError', 'invalid assignment target');
    const root = cursor.name;
    const owner = frame.scope.writable(root);
    if (!owner.vars.has(root)) throw workflowError('KeyError', `variable "${root}" is not defined`);
    const scope = this.scopeFor(frame);
    const syncScope = {
      lookup: scope.lookup,
      callSync: (n: string, a: WfValue[]) => this.callStdlib(n, a),
    };
    const keys: WfValue[] = [];
    for (const p of path) keys.push('key' in p ? p.key : evaluateSync(p.index, syncScope));
    let container = owner.vars.get(root) as WfValue;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const last = i === keys.length - 1;
      if (isMap(container)) {
        if (typeof key !== 'string')
          throw workflowError('TypeError', `map keys must be strings, got ${typeName(key)}`);
        if (last) {
          // A new key adds itself and its value; an existing one swaps the old value for the new.
          const delta = container.has(key)
            ? size - approximateSize(container.get(key) as WfValue)
            : approximateSize(key) + size;
          this.ensureMemoryFor(delta);
          container.set(key, value);
          this.grow(owner, root, delta);
        } else {
          // Assigning a nested key creates the intermediate maps (syntax cheat sheet: maps).
          // They count from creation, unchecked: the check on the final write includes them.
          if (!container.has(key)) {
            const created: WfMap = new Map();
            container.set(key, created);
            this.grow(owner, root, approximateSize(key) + approximateSize(created));
          }
          container = container.get(key) as WfValue;
        }
      } else if (isList(container)) {
        if (last) {
          const delta = size - approximateSize(indexOf(container, key));
          this.ensureMemoryFor(delta);
          container[Number(key)] = value;
          this.grow(owner, root, delta);
        } else container = indexOf(container, key);
      } else {
        memberOf(container, String(key));
      }
    }
  }

  private grow(owner: Scope, name: string, delta: number): void {
    owner.grow(name, delta);
    this.recordGrowth(owner, delta);
  }

  /** Runs a `call` step target with named arguments. */
  private async callNamed(
    name: string,
    args: Map<string, WfValue>,
    frame: Frame,
  ): Promise<WfValue> {
    const sub = this.workflow.subworkflows.get(name);
    if (sub) return this.callSubworkflow(sub, args, frame.depth, frame.parallelDepth);
    if (name.startsWith('http.')) return this.httpCall(name, args);
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

  private async httpCall(name: string, args: Map<string, WfValue>): Promise<WfValue> {
    const method =
      name === 'http.request' ? args.get('method') : name.slice('http.'.length).toUpperCase();
    if (typeof method !== 'string')
      throw workflowError('TypeError', 'http.request: "method" must be a string');
    const url = args.get('url');
    if (typeof url !== 'string')
      throw workflowError('TypeError', `${name}: "url" must be a string`);
    const target = new URL(url);
    const query = args.get('query');
    if (query !== undefined && query !== null) {
      if (!isMap(query)) throw workflowError('TypeError', `${name}: "query" must be a map`);
      for (const [k, v] of query) {
        for (const item of isList(v) ? v : [v])
          target.searchParams.append(k, scalarText(item, `${name}: query "${k}"`));
      }
    }
    const headers: Record<string, string> = {};
    const headerArg = args.get('headers');
    if (headerArg !== undefined && headerArg !== null) {
      if (!isMap(headerArg)) throw workflowError('TypeError', `${name}: "headers" must be a map`);
      for (const [k, v] of headerArg) headers[k] = scalarText(v, `${name}: header "${k}"`);
    }
    const contentTypeKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
    let body: Uint8Array | undefined;
    const bodyArg = args.get('body');
    if (bodyArg !== undefined && bodyArg !== null) {
      const contentType = contentTypeKey ? headers[contentTypeKey]! : undefined;
      if (isBytes(bodyArg)) body = bodyArg;
      else if (contentType?.startsWith('text/') && typeof bodyArg === 'string')
        body = new TextEncoder().encode(bodyArg);
      else if (contentType?.startsWith('application/x-www-form-urlencoded') && isMap(bodyArg)) {
        const form = new URLSearchParams();
        for (const [k, v] of bodyArg) form.append(k, scalarText(v, `${name}: form field "${k}"`));
        body = new TextEncoder().encode(form.toString());
      } else {
        // Without a text or form Content-Type the body is JSON-encoded (http-requests page).
        body = new TextEncoder().encode(encodeJson(bodyArg));
        if (!contentTypeKey) headers['Content-Type'] = 'application/json';
      }
    }
    const timeoutArg = args.get('timeout') ?? 300n;
    if (!isNumeric(timeoutArg) || Number(timeoutArg) <= 0 || Number(timeoutArg) > 1800) {
      throw workflowError('ValueError', `${name}: "timeout" must be between 0 and 1800 seconds`);
    }
    const auth = args.get('auth');
    if (auth !== undefined && auth !== null)
      headers.Authorization = `Bearer ${await this.token(auth, target)}`;
    let response;
    try {
      response = await this.http.send({
        method: method.toUpperCase(),
        url: target.toString(),
        headers,
        ...(body ? { body } : {}),
        timeoutMs: Number(timeoutArg) * 1000,
      });
    } catch (err) {
      if (err instanceof HttpTransportError) {
        if (err.kind === 'timeout')
          throw workflowError('TimeoutError', `${name}: request to ${target.origin} timed out`);
        if (err.kind === 'connection-failed')
          throw workflowError(
            'ConnectionFailedError',
            `${name}: connection to ${target.origin} failed: ${err.message}`,
          );
        throw workflowError(
          'ConnectionError',
          `${name}: connection to ${target.origin} broke: ${err.message}`,
        );
      }
      throw err;
    }
    const responseHeaders: WfMap = new Map(
      Object.entries(response.headers).map(([k, v]) => [k, v]),
    );
    const result: WfMap = new Map<string, WfValue>([
      ['code', BigInt(response.status)],
      ['headers', responseHeaders],
      ['body', decodeBody(response.body, response.headers['content-type'])],
    ]);
    if (response.status >= 400) {
      throw workflowError('HttpError', `HTTP server responded with error code ${response.status}`, {
        code: BigInt(response.status),
        headers: responseHeaders,
        body: result.get('body') ?? null,
      });
    }
    return result;
  }

  private async token(auth: WfValue, target: URL): Promise<string> {
    if (!isMap(auth)) throw workflowError('TypeError', '"auth" must be a map with "type"');
    const type = auth.get('type');
    if (type !== 'OIDC' && type !== 'OAuth2')
      throw workflowError('ValueError', '"auth.type" must be OIDC or OAuth2');
    if (!this.options.tokenProvider)
      throw workflowError('AuthError', `no credentials available to generate an ${type} token`);
    const audience = auth.get('audience');
    const scopes = auth.get('scopes');
    try {
      return await this.options.tokenProvider({
        type,
        url: target.toString(),
        // The OIDC audience defaults to the URL without its query (authenticate-from-workflow page).
        ...(type === 'OIDC'
          ? {
              audience:
                typeof audience === 'string' ? audience : `${target.origin}${target.pathname}`,
            }
          : {}),
        ...(isList(scopes)
          ? { scopes: scopes.map(String) }
          : typeof scopes === 'string'
            ? { scopes: [scopes] }
            : {}),
      });
    } catch (err) {
      if (err instanceof WorkflowException) throw err;
      throw workflowError(
        'AuthError',
        `generating an ${type} token failed: ${(err as Error).message}`,
      );
    }
  }
}

function nextCompletion(target: string): Completion {
  if (target === 'end') return { type: 'end' };
  if (target === 'break') return { type: 'break' };
  if (target === 'continue') return { type: 'continue' };
  return { type: 'jump', target };
}

function scalarText(value: WfValue, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw workflowError(
    'TypeError',
    `${what} must be a string, number or boolean, got ${typeName(value)}`,
  );
}

/** JSON bodies are decoded, text becomes a string, anything else stays bytes (http-requests page). */
function decodeBody(body: Uint8Array, contentType: string | undefined): WfValue {
  const type = (contentType ?? '').toLowerCase();
  if (/^application\/([a-z0-9.+-]*\+)?json/.test(type)) {
    const text = new TextDecoder().decode(body);
    if (text.trim() === '') return null;
    try {
      return decodeJsonText(text);
    } catch {
      return text;
    }
  }
  if (type.startsWith('text/') || (body.length === 0 && !type))
    return body.length === 0 ? (type ? '' : null) : new TextDecoder().decode(body);
  return body;
}

function safeJson(value: WfValue): JsonValue {
  try {
    return toJson(value);
  } catch {
    return typeName(value);
  }
}
