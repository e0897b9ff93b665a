import type { WorkflowClock, WorkflowHttpClient } from '../../local/workflows/index.js';

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
}

/**
 * A time-skipping clock for workflows that talk to real local HTTP servers: like the
 * interpreter's VirtualClock it jumps to the next timer when nothing else can run, but it also
 * waits while an HTTP request sent through {@link SettlingClock.wrap} is in flight — otherwise a
 * branch sleeping 60 s would move time while a sibling branch waits for a socket, and the
 * timings a test asserts would depend on the machine's speed.
 */
export class SettlingClock implements WorkflowClock {
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private inflight = 0;
  private scheduled = false;
  /** Every sleep requested, in milliseconds, in order. */
  readonly sleeps: number[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Seconds since the clock started at 0 (for readable assertions). */
  seconds(): number {
    return this.current / 1000;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ due: this.current + Math.max(0, ms), seq: this.seq++, resolve });
      this.schedule();
    });
  }

  /** An HTTP client whose requests hold time still until they complete. */
  wrap(inner: WorkflowHttpClient): WorkflowHttpClient {
    return {
      send: async (request) => {
        this.inflight++;
        try {
          return await inner.send(request);
        } finally {
          this.inflight--;
          this.schedule();
        }
      },
    };
  }

  private schedule(): void {
    if (this.scheduled || this.timers.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // A request in flight will call schedule() again when it completes.
      if (this.inflight > 0) return;
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const timer = this.timers.shift();
      if (!timer) return;
      this.current = Math.max(this.current, timer.due);
      timer.resolve();
      this.schedule();
    });
  }
}
