import type { WorkflowClock } from '../workflows/index.js';

/** Raised inside an execution that was cancelled: the interpreter does not catch it. */
export class ExecutionCancelledError extends Error {
  override readonly name = 'ExecutionCancelledError';
  constructor() {
    super('the execution was cancelled');
  }
}

/**
 * Real time, sped up: an execution sees time pass `timeScale` times faster than the wall clock
 * (a 60 s poll sleeps 60/timeScale real seconds, and `sys.now()` moves on by 60 s), so step
 * deadlines and backoffs keep their meaning in a time-scaled local stack.
 */
export class ScaledClock implements WorkflowClock {
  private readonly origin = Date.now();

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }

  now(): number {
    return this.origin + (Date.now() - this.origin) * this.timeScale;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new ExecutionCancelledError());
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms) / this.timeScale,
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ExecutionCancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A clock whose sleeps end with {@link ExecutionCancelledError} when `signal` aborts. */
export function cancellableClock(
  clock: WorkflowClock & { sleep(ms: number, signal?: AbortSignal): Promise<void> },
  signal: AbortSignal,
): WorkflowClock {
  return {
    now: () => clock.now(),
    sleep: (ms) => untilAborted(clock.sleep(ms, signal), signal),
  };
}

/** Settles like `work`, or rejects with {@link ExecutionCancelledError} once `signal` aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ExecutionCancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ExecutionCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
