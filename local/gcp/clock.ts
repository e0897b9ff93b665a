/**
 * Time as the simulator sees it. Operations finish at a clock time, computed from the latency
 * model; tests inject a {@link ManualClock} and advance it, so a 4-minute cluster is instant.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: deterministic tests of the latency model. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
}
