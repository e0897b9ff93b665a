import { describe, expect, it } from 'vitest';
import { errorOf, execute, resultOf } from './helpers.js';

// https://cloud.google.com/workflows/docs/reference/syntax/variables
describe('assign (reference/syntax/variables)', () => {
  it('assigns variables, map keys (creating nested maps) and list elements', async () => {
    const out = await resultOf(`
- init:
    assign:
      - m: {}
      - m.a.b: 1
      - m["c"]: 2
      - l: [1, 2, 3]
      - l[1]: 20
      - i: 0
      - l[i]: 10
- done:
    return: \${[m, l]}
`);
    expect(out).toEqual([{ a: { b: 1 }, c: 2 }, [10, 20, 3]]);
  });
  it('raises IndexError when assigning past the end of a list', async () => {
    const error = await errorOf(`
- init:
    assign:
      - l: [1]
      - l[3]: 2
`);
    expect(error.tags).toEqual(['IndexError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/subworkflows
describe('main params and subworkflows (reference/syntax/subworkflows)', () => {
  const source = `
main:
  params: [input]
  steps:
    - call_it:
        call: greet
        args:
          first: \${input.name}
        result: greeting
    - in_expression:
        return: \${greeting + " / " + greet("Ann", "Hi")}
greet:
  params: [first, salutation: "Hello"]
  steps:
    - build:
        return: \${salutation + " " + first}
`;
  it('passes the runtime argument to main and uses defaults only for omitted args', async () => {
    expect(await resultOf(source, { name: 'Bo' })).toBe('Hello Bo / Hi Ann');
  });
  it('the bare-steps form returns the value of its return step', async () => {
    expect(await resultOf('- a:\n    return: 1\n')).toBe(1);
  });
  it('a subworkflow that ends without return yields null', async () => {
    expect(
      await resultOf(`
main:
  steps:
    - c:
        call: nothing
        result: r
    - out:
        return: \${r}
nothing:
  steps:
    - a:
        assign:
          - x: 1
`),
    ).toBeNull();
  });
  it('unbounded recursion raises RecursionError', async () => {
    const error = await errorOf(`
main:
  steps:
    - c:
        call: loop
        args: {n: 0}
loop:
  params: [n]
  steps:
    - again:
        call: loop
        args:
          n: \${n + 1}
`);
    expect(error.tags).toEqual(['RecursionError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/conditions
describe('switch (reference/syntax/conditions)', () => {
  const source = `
main:
  params: [n]
  steps:
    - classify:
        switch:
          - condition: \${n < 0}
            return: negative
          - condition: \${n == 0}
            next: zero
          - condition: \${n < 10}
            steps:
              - small:
                  assign:
                    - label: small
          - condition: \${n >= 10}
            assign:
              - label: large
        next: done
    - zero:
        return: zero
    - done:
        return: \${label}
`;
  it('runs the first true condition only', async () => {
    expect(await resultOf(source, -1)).toBe('negative');
    expect(await resultOf(source, 0)).toBe('zero');
    expect(await resultOf(source, 5)).toBe('small');
    expect(await resultOf(source, 50)).toBe('large');
  });
  it('a non-boolean condition is a TypeError', async () => {
    expect(
      (await errorOf('- s:\n    switch:\n      - condition: 1\n        return: 1\n')).tags,
    ).toEqual(['TypeError']);
  });
  it('falls through to the next step when nothing matches', async () => {
    expect(
      await resultOf(
        '- s:\n    switch:\n      - condition: false\n        return: 1\n- t:\n    return: 2\n',
      ),
    ).toBe(2);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/jumps
describe('next and end (reference/syntax/jumps)', () => {
  it('jumps backwards to build a loop and "end" stops the workflow', async () => {
    const outcome = await execute(`
- init:
    assign:
      - i: 0
- inc:
    assign:
      - i: \${i + 1}
- check:
    switch:
      - condition: \${i < 3}
        next: inc
    next: finish
- never:
    return: wrong
- finish:
    next: end
`);
    expect(outcome.state).toBe('SUCCEEDED');
    expect(outcome.trace.map((t) => t.step)).toEqual([
      'init',
      'inc',
      'check',
      'inc',
      'check',
      'inc',
      'check',
      'finish',
    ]);
  });
  it('jumps out of nested steps to an outer step', async () => {
    expect(
      await resultOf(`
- outer:
    steps:
      - inner:
          next: target
      - skipped:
          return: wrong
- target:
    return: right
`),
    ).toBe('right');
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/iteration
describe('for (reference/syntax/iteration)', () => {
  it('iterates a list with value and index', async () => {
    expect(
      await resultOf(`
- init:
    assign:
      - out: []
- loop:
    for:
      value: v
      index: i
      in: [a, b]
      steps:
        - add:
            assign:
              - out: \${list.concat(out, string(i) + v)}
- done:
    return: \${out}
`),
    ).toEqual(['0a', '1b']);
  });
  it('range is inclusive at both ends', async () => {
    expect(
      await resultOf(`
- init:
    assign:
      - sum: 0
- loop:
    for:
      value: n
      range: [1, 5]
      steps:
        - add:
            assign:
              - sum: \${sum + n}
- done:
    return: \${sum}
`),
    ).toBe(15);
  });
  it('break and continue', async () => {
    expect(
      await resultOf(`
- init:
    assign:
      - seen: []
- loop:
    for:
      value: n
      range: [1, 10]
      steps:
        - skip_even:
            switch:
              - condition: \${n % 2 == 0}
                next: continue
              - condition: \${n > 6}
                next: break
        - record:
            assign:
              - seen: \${list.concat(seen, n)}
- done:
    return: \${seen}
`),
    ).toEqual([1, 3, 5]);
  });
  it('variables created inside the loop do not exist after it', async () => {
    const error = await errorOf(`
- loop:
    for:
      value: n
      in: [1]
      steps:
        - make:
            assign:
              - inner: \${n}
- use:
    return: \${inner}
`);
    expect(error.tags).toEqual(['KeyError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/raising-errors
describe('raise and return (reference/syntax/raising-errors)', () => {
  it('raises a string or a map as the execution error', async () => {
    expect(await errorOf('- r:\n    raise: "bad thing"\n')).toBe('bad thing');
    expect(await errorOf('- r:\n    raise:\n      code: 55\n      message: custom\n')).toEqual({
      code: 55,
      message: 'custom',
    });
  });
  it('bytes cannot be returned', async () => {
    expect((await errorOf(`- r:\n    return: \${text.encode("x")}\n`)).tags).toEqual(['TypeError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/sys/log, sys/sleep
describe('sys.log and sys.sleep calls (reference/stdlib/sys)', () => {
  it('records logs and sleeps on the injected clock', async () => {
    const outcome = await execute(`
- log:
    call: sys.log
    args:
      text: hello
      severity: INFO
- t0:
    assign:
      - start: \${sys.now()}
- nap:
    call: sys.sleep
    args:
      seconds: 900
- elapsed:
    return: \${sys.now() - start}
`);
    expect(outcome.state === 'SUCCEEDED' && outcome.result).toBe(900);
    expect(outcome.logs.map((l) => [l.severity, l.data])).toEqual([['INFO', 'hello']]);
  });
  it('stdlib functions can be called with named args', async () => {
    expect(
      await resultOf(`
- split:
    call: text.split
    args:
      source: a/b
      separator: /
    result: parts
- out:
    return: \${parts}
`),
    ).toEqual(['a', 'b']);
  });
});

describe('limits (https://cloud.google.com/workflows/quotas)', () => {
  it('a variable larger than the memory limit raises ResourceLimitError', async () => {
    const error = await errorOf(
      `
- init:
    assign:
      - s: "0123456789"
- grow:
    for:
      value: n
      range: [1, 20]
      steps:
        - double:
            assign:
              - s: \${s + s}
`,
      null,
      { limits: { maxVariableBytes: 4096 } },
    );
    expect(error.tags).toEqual(['ResourceLimitError']);
  });
});
