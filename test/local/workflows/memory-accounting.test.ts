import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Values from '../../../local/workflows/values.js';
import { errorOf, resultOf } from './helpers.js';

// Every byte approximateSize reports, summed: the work the memory limit costs. The wrapper keeps
// the real function, so the limits these tests check are the real ones.
const measured = vi.hoisted(() => ({ bytes: 0 }));
vi.mock('../../../local/workflows/values.js', async (importOriginal) => {
  const original = await importOriginal<typeof Values>();
  return {
    ...original,
    approximateSize: (value: Parameters<typeof original.approximateSize>[0]) => {
      const size = original.approximateSize(value);
      measured.bytes += size;
      return size;
    },
  };
});

const STRING_36 = '"This is a string of 28 bytes"'; // 8 + 28 UTF-8 bytes (variables#memory-usage)

/** The program succeeds with exactly `peak` bytes of variables allowed and fails with one less. */
async function expectPeak(program: string, peak: number, argument: unknown = null): Promise<void> {
  await expect(
    resultOf(program, argument, { limits: { maxVariableBytes: peak } }),
  ).resolves.not.toThrow();
  const error = await errorOf(program, argument, { limits: { maxVariableBytes: peak - 1 } });
  expect(error.tags).toEqual(['ResourceLimitError']);
}

describe('memory accounting is exact on every write path (syntax/variables#memory-usage)', () => {
  it('an overwrite frees the old value: 36, then 8, then 8 + 36', async () => {
    await expectPeak(
      `
- a:
    assign:
      - s: ${STRING_36}
      - s: 1
      - t: ${STRING_36}
- done:
    return: \${t}
`,
      44,
    );
  });

  it('a nested key adds key and value; overwriting it swaps only the value', async () => {
    // m = 8 + "k" (9) + "abcd" (12) = 29, then s (36): 65. A new key "k" with "ab" was 27.
    await expectPeak(
      `
- a:
    assign:
      - m: {}
      - m.k: "ab"
      - m.k: "abcd"
      - s: ${STRING_36}
- done:
    return: \${m.k + s}
`,
      65,
    );
  });

  it('intermediate maps of a nested key and list elements count', async () => {
    // m = 8 + ("a" 9 + map 8) + ("b" 9 + map 8) + ("c" 9 + 8) = 59; l = 8 + 8 + 8 = 24, then
    // l[0] = "ab" makes it 26; s (36): 59 + 26 + 36 = 121.
    await expectPeak(
      `
- a:
    assign:
      - m: {}
      - m.a.b.c: 1
      - l: [1, 2]
      - l[0]: "ab"
      - s: ${STRING_36}
- done:
    return: \${l[0] + s}
`,
      121,
    );
  });

  it('loop variables count inside the loop and are freed when it ends', async () => {
    // Inside: v (36) + i (8) + s (10) = 54. After: t (36) + u (10) = 46; were the loop scope
    // still counted it would be 100.
    await expectPeak(
      `
- loop:
    for:
      value: v
      index: i
      in: [${STRING_36}]
      steps:
        - inner:
            assign:
              - s: "ab"
- after:
    assign:
      - t: ${STRING_36}
      - u: "ab"
- done:
    return: \${t + u}
`,
      54,
    );
  });

  it('the except variable counts inside the except block and is freed after it', async () => {
    // Inside: e (36) + s (10) = 46; after: x (36) + y (10) = 46, 92 were e and s kept.
    await expectPeak(
      `
- guarded:
    try:
      raise: ${STRING_36}
    except:
      as: e
      steps:
        - inner:
            assign:
              - s: "ab"
- after:
    assign:
      - x: ${STRING_36}
      - y: "ab"
- done:
    return: \${x + y}
`,
      46,
    );
  });

  it('arguments count in the callee; its result counts in the caller once it returns', async () => {
    // In take: p (36) + s ("abcdefghij", 18) = 54. Back in main: r (36) + z (36) = 72.
    const program = `
main:
  steps:
    - first:
        call: take
        args:
          p: ${STRING_36}
        result: r
    - after:
        assign:
          - z: ${STRING_36}
    - done:
        return: \${r + z}
take:
  params: [p]
  steps:
    - a:
        assign:
          - s: "abcdefghij"
    - out:
        return: \${p}
`;
    await expectPeak(program, 72);
    // A parameter's default value counts like a passed argument: 36 + 18 = 54.
    await expectPeak(
      `
main:
  steps:
    - first:
        call: take
        result: r
    - done:
        return: \${r}
take:
  params: [p: ${STRING_36}]
  steps:
    - a:
        assign:
          - s: "abcdefghij"
    - out:
        return: 1
`,
      54,
    );
  });

  it('a parallel branch writes a shared variable of the parent; its own variables are freed', async () => {
    // Branches peak at acc (36) + mine (10) = 46. After: acc (36) + s (36) = 72, which would be
    // 82 were the branch's own "mine" still counted, or 44 had the shared write been lost.
    await expectPeak(
      `
- init:
    assign:
      - acc: ""
- fan:
    parallel:
      shared: [acc]
      branches:
        - one:
            steps:
              - write:
                  assign:
                    - acc: ${STRING_36}
        - two:
            steps:
              - own:
                  assign:
                    - mine: "ab"
- after:
    assign:
      - s: ${STRING_36}
- done:
    return: \${acc + s}
`,
      72,
    );
  });

  it('an assigned variable is a copy: a nested write to it leaves the source alone', async () => {
    expect(
      await resultOf(`
- a:
    assign:
      - b: {"x": 1}
      - a: \${b}
      - a.x: 2
- done:
    return: \${[a.x, b.x]}
`),
    ).toEqual([2, 1]);
  });
});

describe('memory accounting cost', () => {
  beforeEach(() => {
    measured.bytes = 0;
  });

  const loop = `
main:
  params: [input]
  steps:
    - init:
        assign:
          - x: 0
    - loop:
        for:
          value: i
          range: [1, 5000]
          steps:
            - small:
                assign:
                  - x: \${i}
    - done:
        return: \${x}
`;

  async function bytesMeasuredFor(input: unknown): Promise<number> {
    measured.bytes = 0;
    expect(await resultOf(loop, input)).toBe(5000);
    return measured.bytes;
  }

  it('a 100 KB value held across 5 000 assignments is measured once, not per assignment', async () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) big[`key-${String(i).padStart(4, '0')}`] = 'v'.repeat(90);
    const bigBytes = 8 + 1000 * (8 + 8 + 8 + 90);
    expect(bigBytes).toBeGreaterThan(100_000);

    const without = await bytesMeasuredFor(null);
    const withBig = await bytesMeasuredFor(big);
    expect(without).toBeGreaterThan(0);
    // Binding the argument measures it once; a per-assignment scan would add 5 000 × 100 KB.
    expect(withBig - without).toBeLessThanOrEqual(2 * bigBytes);
  });
});
