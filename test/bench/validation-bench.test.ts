import { describe, expect, it } from 'vitest';
import {
  admit,
  growthExponent,
  prepareCase,
  runValidationBenchmark,
  tutorialEnvironment,
} from '../../bench/validation.js';

describe('the growth exponent', () => {
  it('fits cost ∝ size^k on log-log points', () => {
    const sizes = [1_000, 2_000, 4_000, 8_000];
    expect(growthExponent(sizes.map((size) => ({ size, value: 3 * size })))).toBeCloseTo(1, 10);
    expect(growthExponent(sizes.map((size) => ({ size, value: size ** 2 })))).toBeCloseTo(2, 10);
    expect(growthExponent(sizes.map((size) => ({ size, value: 42 })))).toBeCloseTo(0, 10);
  });

  it('needs two sizes with positive values', () => {
    expect(() => growthExponent([{ size: 8, value: 1 }])).toThrow(/at least two sizes/);
    expect(() =>
      growthExponent([
        { size: 8, value: 0 },
        { size: 16, value: 1 },
      ]),
    ).toThrow(/at least two sizes/);
  });
});

describe('the validation benchmark', () => {
  const environment = tutorialEnvironment();

  it('spreads the rules over the tenants and admits the last one as incoming', () => {
    const prepared = prepareCase(environment, { tenants: 3, rules: 10 });
    expect(prepared.stored.map((t) => t.spec.egress.length)).toEqual([4, 3]);
    expect((prepared.incoming as { metadata: { name: string } }).metadata.name).toBe('team-2');
    // Distinct hosts, mixed modes and ports: a valid set.
    expect(admit(prepared)).toEqual([]);
    expect(() => prepareCase(environment, { tenants: 5, rules: 4 })).toThrow(
      /1 <= tenants <= rules/,
    );
  });

  it('prints every case, the exponents and the target, with small sizes', () => {
    const lines: string[] = [];
    const result = runValidationBenchmark(
      { runs: 2, warmup: 0, ruleCounts: [16, 32], tenantCounts: [1, 4], spreads: [1, 8] },
      (line) => lines.push(line),
    );
    const text = lines.join('\n');
    for (const column of [
      'tenants',
      'rules',
      'median ms',
      'min ms',
      'cpu ms',
      'µs/rule',
      'min/100 ms',
    ]) {
      expect(text).toContain(column);
    }
    expect(result.timings.map((t) => [t.tenants, t.rules])).toEqual([
      [1, 16],
      [1, 32],
      [4, 16],
      [4, 32],
      [8, 32],
    ]);
    expect(result.timings.every((t) => t.problems === 0)).toBe(true);
    expect([...result.ruleExponents.keys()]).toEqual([1, 4]);
    expect(result.tenantExponent).toBeDefined();
    expect(text).toMatch(/growth with rules \(1 tenant\): cost ∝ rules\^-?\d+\.\d\d/);
    expect(text).toMatch(/growth with tenants \(32 rules over 1\/8 tenants\)/);
  });
});
