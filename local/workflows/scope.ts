import { workflowError } from './errors.js';
import type { Subworkflow } from './model.js';
import { approximateSize, cloneValue, type WfValue } from './values.js';

/** A variable scope: a subworkflow's, a loop's, an except block's or a parallel branch's. */
export class Scope {
  /** Read-only by convention: every write goes through `bind` or `grow` so `bytes` stays exact. */
  readonly vars = new Map<string, WfValue>();
  /** approximateSize of each variable, kept so an overwrite need not measure the old value. */
  private readonly sizes = new Map<string, number>();
  /** Sum of `sizes`: what this scope adds to the memory limit while it is live. */
  bytes = 0;
  /** Set while the scope is counted by the execution (see VariableMemory.withScope). */
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

/** Where a step runs: its subworkflow call, innermost scope and nesting depths. */
export interface Frame {
  subworkflow: Subworkflow;
  scope: Scope;
  /** Call stack depth (subworkflow calls, predicates, expression calls). */
  depth: number;
  /** How many parallel steps enclose the step. */
  parallelDepth: number;
}

/**
 * The memory limit's bookkeeping: bytes of every variable of every live scope, across the call
 * stack and parallel branches, since the limit counts them all. Kept up to date on each write
 * and on scope entry and exit, so a check costs the size of the value written, not of all
 * variables.
 */
export class VariableMemory {
  private liveBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Runs `body` with `scope` counted by the memory limit until it ends. */
  async withScope<T>(scope: Scope, body: () => Promise<T>): Promise<T> {
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
  bind(scope: Scope, name: string, value: WfValue): void {
    const copy = cloneValue(value);
    this.set(scope, name, copy, approximateSize(copy));
  }

  /** Sets `name` in `owner` to `value`, already measured at `size` bytes. */
  set(owner: Scope, name: string, value: WfValue, size: number): void {
    this.recordGrowth(owner, owner.bind(name, value, size));
  }

  /** Records that variable `name` of `owner` changed in place by `delta` bytes. */
  grow(owner: Scope, name: string, delta: number): void {
    owner.grow(name, delta);
    this.recordGrowth(owner, delta);
  }

  /** Raises ResourceLimitError when growing the variables by `delta` bytes would pass the limit. */
  ensureRoomFor(delta: number): void {
    if (this.liveBytes + delta > this.maxBytes) {
      throw workflowError(
        'ResourceLimitError',
        `the variables of this execution exceed the memory limit of ${this.maxBytes} bytes`,
      );
    }
  }

  private recordGrowth(scope: Scope, delta: number): void {
    if (scope.live) this.liveBytes += delta;
  }
}
