import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { integerListOption } from '../../bench/options.js';
import { growthExponent, type TenantsResult } from '../../bench/tenants.js';

/**
 * The tenants scenario's pure parts: its option and the growth exponent it prints. The scenario
 * itself provisions a local stack per size: a benchmark (`npm run bench -- --scenarios tenants`),
 * not a test.
 */

const run = promisify(execFile);

const result = (tenants: number, onboardSeconds: number): TenantsResult => ({
  tenants,
  initialSeconds: 0,
  initialPasses: 0,
  onboardSeconds,
  oneTenantObjectWrites: 20,
  noopSeconds: 0,
  noopWrites: 0,
  largestDocumentBytes: 0,
  matrixSeconds: 0,
});

describe('the tenants scenario', () => {
  it('reports cost ∝ tenants^k between the smallest and the largest environment', () => {
    expect(growthExponent([result(10, 2), result(1000, 2)], 'onboardSeconds')).toBeCloseTo(0);
    expect(growthExponent([result(10, 1), result(100, 10)], 'onboardSeconds')).toBeCloseTo(1);
    expect(growthExponent([result(10, 1), result(100, 100)], 'onboardSeconds')).toBeCloseTo(2);
    expect(growthExponent([result(10, 1)], 'onboardSeconds')).toBeNaN();
  });

  it('parses --tenants, naming the option and the rule when it is wrong', () => {
    const parse = integerListOption('--tenants', 1, 5000);
    expect(parse('10, 100,1000')).toEqual([10, 100, 1000]);
    expect(() => parse('10,0')).toThrow(
      '--tenants must be a comma-separated list of integers from 1 to 5000, got "10,0"',
    );
    expect(() => parse('ten')).toThrow(/--tenants must be/);
  });

  it('exits 2 on a bad size before starting anything', async () => {
    const failure = await run(process.execPath, [
      '--import',
      'tsx',
      'bench/index.ts',
      '--scenarios',
      'tenants',
      '--tenants',
      '10,-1',
    ]).catch((error: { code?: number; stderr?: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr?: string }).stderr).toContain(
      "option '--tenants <list>' argument '10,-1' is invalid. --tenants must be a comma-separated list",
    );
  });
});
