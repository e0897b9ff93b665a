import type { Clock } from '../../shared/state/types.js';

/** A clock tests move by hand, so lease expiry needs no real waiting. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.current = Date.parse(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}
