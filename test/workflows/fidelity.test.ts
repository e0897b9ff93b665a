import { describe, expect, it } from 'vitest';
import { errorOf, evalError, evalExpr, resultOf, returning } from './helpers.js';

// Behaviours checked against Google's reference pages; each block cites the page it follows.
// Where a page is silent or ambiguous, the choice is recorded in local/workflows/FIDELITY.md.

// https://cloud.google.com/workflows/docs/reference/syntax/datatypes
describe('data types, operators and implicit conversions (syntax/datatypes)', () => {
  it('"+ operator" table: integer, double and boolean convert to string next to a string', async () => {
    expect(await evalExpr('1 + "a"')).toBe('1a');
    expect(await evalExpr('"a" + 2.5')).toBe('a2.5');
    expect(await evalExpr('false + "b"')).toBe('falseb');
    expect(await evalExpr('get_type(1 + 1)')).toBe('integer');
    expect(await evalExpr('get_type(1 + 1.0)')).toBe('double');
  });
  it('"+ operator" table: BOOL with INTEGER, DOUBLE or BOOL is an ERROR', async () => {
    for (const expr of ['true + 1', '1.5 + false', 'true + true']) {
      expect((await evalError(expr)).tags).toEqual(['TypeError']);
    }
  });
  it('logical operators accept only booleans', async () => {
    expect((await evalError('1 and true')).tags).toEqual(['TypeError']);
    expect((await evalError('not "x"')).tags).toEqual(['TypeError']);
  });
  it('logical operators may be lower-case or upper-case but not mixed-case', async () => {
    expect(await evalExpr('true AND NOT false')).toBe(true);
    await expect(evalExpr('true And false')).rejects.toThrow(/invalid expression/);
  });
  it('order of operations: not > unary minus > * / // % > + - > comparison/in > and > or', async () => {
    expect(await evalExpr('1 + 2 * 3')).toBe(7);
    expect(await evalExpr('-2 * 3 + 1')).toBe(-5);
    expect(await evalExpr('true or false and false')).toBe(true);
    expect(await evalExpr('1 + 1 in [2]')).toBe(true);
    expect(await evalExpr('(1 + 2) * 3')).toBe(9);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/variables#variable-scope
describe('variable scope (syntax/variables)', () => {
  it('a variable created inside an except block is local to it', async () => {
    const error = await errorOf(`
- t:
    try:
      raise: "boom"
    except:
      as: e
      steps:
        - note:
            assign:
              - handled: true
- after:
    return: \${handled}
`);
    expect(error.tags).toEqual(['KeyError']);
  });
  it('a variable assigned before the try block and set in except survives it', async () => {
    expect(
      await resultOf(`
- init:
    assign:
      - handled: false
- t:
    try:
      raise: "boom"
    except:
      as: e
      steps:
        - note:
            assign:
              - handled: true
- after:
    return: \${handled}
`),
    ).toBe(true);
  });
  it('nested steps do not create a scope', async () => {
    expect(
      await resultOf(`
- block:
    steps:
      - inner:
          assign:
            - x: 5
- after:
    return: \${x}
`),
    ).toBe(5);
  });
  it('subworkflows do not see the variables of main', async () => {
    const error = await errorOf(`
main:
  steps:
    - init:
        assign:
          - secret: 1
    - go:
        call: peek
        result: r
    - done:
        return: \${r}
peek:
  steps:
    - look:
        return: \${secret}
`);
    expect(error.tags).toEqual(['KeyError']);
  });
  it('memory usage follows the documented sizes (28-byte string uses 36 bytes)', async () => {
    const program = `
- a:
    assign:
      - s: "This is a string of 28 bytes"
- done:
    return: \${s}
`;
    expect(await resultOf(program, null, { limits: { maxVariableBytes: 36 } })).toBe(
      'This is a string of 28 bytes',
    );
    const error = await errorOf(program, null, { limits: { maxVariableBytes: 35 } });
    expect(error.tags).toEqual(['ResourceLimitError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry_predicate_non_idempotent
describe('retry predicates (stdlib/http/default_retry*)', () => {
  const nonIdempotent = (error: string) =>
    resultOf(returning(`http.default_retry_predicate_non_idempotent(${error})`));
  it('non-idempotent: 429, 503 and ConnectionFailedError only', async () => {
    expect(await nonIdempotent('{"tags": ["HttpError"], "code": 429}')).toBe(true);
    expect(await nonIdempotent('{"tags": ["HttpError"], "code": 503}')).toBe(true);
    expect(await nonIdempotent('{"tags": ["ConnectionFailedError"]}')).toBe(true);
    expect(await nonIdempotent('{"tags": ["HttpError"], "code": 502}')).toBe(false);
    expect(await nonIdempotent('{"tags": ["ConnectionError"]}')).toBe(false);
    expect(await nonIdempotent('{"tags": ["TimeoutError"]}')).toBe(false);
  });
  // https://cloud.google.com/workflows/docs/reference/stdlib/http/default_retry
  it('idempotent: 429, 502, 503, 504 and ConnectionError, ConnectionFailedError, TimeoutError', async () => {
    const idempotent = (error: string) =>
      resultOf(returning(`http.default_retry_predicate(${error})`));
    for (const code of [429, 502, 503, 504])
      expect(await idempotent(`{"tags": ["HttpError"], "code": ${code}}`)).toBe(true);
    for (const tag of ['ConnectionError', 'ConnectionFailedError', 'TimeoutError'])
      expect(await idempotent(`{"tags": ["${tag}"]}`)).toBe(true);
    expect(await idempotent('{"tags": ["HttpError"], "code": 500}')).toBe(false);
  });
  it('http.default_retry_non_idempotent retries a raised ConnectionFailedError 5 times with the default backoff', async () => {
    const { VirtualClock } = await import('../../local/workflows/index.js');
    const clock = new VirtualClock();
    const out = await resultOf(
      `
- init:
    assign:
      - attempts: 0
- t:
    try:
      steps:
        - count:
            assign:
              - attempts: \${attempts + 1}
        - fail:
            raise:
              tags: ["ConnectionFailedError"]
              message: refused
    retry: \${http.default_retry_non_idempotent}
    except:
      as: e
      steps:
        - out:
            return: \${attempts}
`,
      null,
      { clock },
    );
    expect(out).toBe(6);
    // retry.default_backoff: 1 s initial, x1.25, capped at 60 s.
    expect(clock.sleeps).toEqual([1000, 1250, 1562.5, 1953.125, 2441.40625]);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/sys/get_env
describe('sys.get_env (stdlib/sys/get_env)', () => {
  it('returns the default when the variable is unset, null without one', async () => {
    expect(await evalExpr('sys.get_env("UNSET_VAR", "fallback")')).toBe('fallback');
    expect(await evalExpr('sys.get_env("UNSET_VAR")')).toBe(null);
  });
  it('raises TypeError when name or default is not a string', async () => {
    expect((await evalError('sys.get_env(1)')).tags).toEqual(['TypeError']);
    expect((await evalError('sys.get_env("UNSET_VAR", 5)')).tags).toEqual(['TypeError']);
  });
  it('knows GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME, listed among the built-ins', async () => {
    expect(typeof (await evalExpr('sys.get_env("GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME")'))).toBe(
      'string',
    );
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers
describe('expression helpers (stdlib/expression-helpers)', () => {
  it('if(): a null condition returns ifFalse', async () => {
    expect(await evalExpr('if(null, "t", "f")')).toBe('f');
    expect(await evalExpr('if(true, "t", "f")')).toBe('t');
  });
  it('len() of a string counts characters, not bytes', async () => {
    expect(await evalExpr('len("héllo")')).toBe(5);
  });
  it('default() returns the value unless it is null', async () => {
    expect(await evalExpr('default(null, 3)')).toBe(3);
    expect(await evalExpr('default(false, 3)')).toBe(false);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/list/concat
describe('list.concat (stdlib/list/concat)', () => {
  it('appends val as one element, even a list, and leaves the source list unchanged', async () => {
    expect(
      await resultOf(`
- init:
    assign:
      - my_list: ["zero", "one", "two"]
- r:
    return:
      - \${list.concat(my_list, "three")}
      - \${list.concat(my_list, [1])}
      - \${my_list}
`),
    ).toEqual([
      ['zero', 'one', 'two', 'three'],
      ['zero', 'one', 'two', [1]],
      ['zero', 'one', 'two'],
    ]);
  });
  it('raises TypeError when objs is not a list', async () => {
    expect((await evalError('list.concat("x", 1)')).tags).toEqual(['TypeError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/error-types
describe('error maps (syntax/error-types)', () => {
  it('tags can be tested with "in"; a raised map keeps its fields', async () => {
    expect(
      await resultOf(`
- t:
    try:
      raise:
        tags: ["SystemError"]
        message: an error has occurred
    except:
      as: e
      steps:
        - r:
            return:
              - \${"SystemError" in e.tags}
              - \${e.message}
`),
    ).toEqual([true, 'an error has occurred']);
  });
  it('runtime errors carry a tags list and a message', async () => {
    const error = await evalError('[1][5]');
    expect(error.tags).toEqual(['IndexError']);
    expect(typeof error.message).toBe('string');
  });
});
