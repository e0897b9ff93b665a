/** Time as an execution sees it: `sys.now`, `sys.sleep`, retry backoff. */
export interface WorkflowClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time, for the local stack. */
export class RealClock implements WorkflowClock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
}

/**
 * A time-skipping clock: a sleep returns as soon as nothing else is runnable, with the clock
 * moved to the sleep's deadline. Timers fire in deadline order, so parallel branches that sleep
 * 5 s and 3 s finish at virtual t+3 and t+5, not t+8 — a 15-minute provisioning test runs in
 * milliseconds. Every requested sleep is recorded in `sleeps` for exact-delay assertions.
 */
export class VirtualClock implements WorkflowClock {
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private flushScheduled = false;
  /** Every sleep requested, in milliseconds, in the order requested. */
  readonly sleeps: number[] = [];

  constructor(startMs = Date.UTC(2024, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward without sleeping (for tests that simulate elapsed time). */
  advance(ms: number): void {
    this.current += ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ due: this.current + Math.max(0, ms), seq: this.seq++, resolve });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate runs after pending promise callbacks, so every branch that can still make
    // progress does so (and may register an earlier timer) before time jumps.
    setImmediate(() => {
      this.flushScheduled = false;
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const timer = this.timers.shift();
      if (!timer) return;
      this.current = Math.max(this.current, timer.due);
      timer.resolve();
      if (this.timers.length) this.scheduleFlush();
    });
  }
}
