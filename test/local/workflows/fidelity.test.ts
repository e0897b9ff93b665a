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
    const { VirtualClock } = await import('../../../local/workflows/index.js');
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

// https://cloud.google.com/workflows/docs/reference/syntax/expressions: "You can use expressions
// to: ... Call subworkflows" (links to syntax/subworkflows#call-subworkflow-expression). The
// program is Google's own syntax cheat sheet (GoogleCloudPlatform/workflows-samples
// cheatsheet.yaml, steps call_subworkflow and call_subworkflow2).
describe('subworkflow calls inside expressions (syntax/expressions, syntax cheat sheet)', () => {
  it('a call step and an expression call give the same result; a missing argument takes its default', async () => {
    expect(
      await resultOf(`
main:
  steps:
    - call_subworkflow:
        call: subworkflow_name_message
        args:
          first_name: "Ada"
          last_name: "Lovelace"
        result: output
    - call_subworkflow2:
        assign:
          - output2: \${subworkflow_name_message("Sherlock","Holmes")}
    - done:
        return:
          - \${output}
          - \${output2}
subworkflow_name_message:
  params: [first_name, last_name, country: "England"]
  steps:
    - prepareMessage:
        return: \${"Hello " + first_name + " " + last_name + " from " + country + "."}
`),
    ).toEqual(['Hello Ada Lovelace from England.', 'Hello Sherlock Holmes from England.']);
  });
  it('a subworkflow without parameters is called as f(), as the product workflows do', async () => {
    expect(
      await resultOf(`
main:
  steps:
    - urls:
        assign:
          - template: \${url_template()}
    - done:
        return: \${template.base + "/step-" + "network"}
url_template:
  steps:
    - build:
        return:
          base: http://127.0.0.1:1
`),
    ).toBe('http://127.0.0.1:1/step-network');
  });
  it('more arguments than parameters is a TypeError', async () => {
    const error = await errorOf(`
main:
  steps:
    - r:
        return: \${one(1, 2)}
one:
  params: [a]
  steps:
    - r:
        return: \${a}
`);
    expect(error.tags).toEqual(['TypeError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/expressions ("Supported elements"):
// "/ : float division", "% : remainder division", "// : floor division".
describe('division operators (syntax/expressions)', () => {
  it('"/" is float division even between integers', async () => {
    expect(await evalExpr('get_type(4 / 2)')).toBe('double');
    expect(await evalExpr('7 / 2')).toBe(3.5);
  });
  it('"//" is floor division: it rounds toward negative infinity', async () => {
    expect(await evalExpr('7 // 2')).toBe(3);
    expect(await evalExpr('-7 // 2')).toBe(-4);
    expect(await evalExpr('get_type(7 // 2)')).toBe('integer');
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers: "int() Accepts an
// attribute of type string or double and returns an integer." The cheat sheet converts
// int(2.7) ("string, double to integer").
describe('int() (stdlib/expression-helpers)', () => {
  it('converts a double (truncating) and a string', async () => {
    expect(await evalExpr('int(2.7)')).toBe(2);
    expect(await evalExpr('int("42")')).toBe(42);
  });
  it('refuses a boolean, which the page does not list', async () => {
    expect((await evalError('int(true)')).tags).toEqual(['TypeError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/time/format: the page's own examples.
describe('time.format (stdlib/time/format)', () => {
  it('UTC by default and for "GMT"; an offset for a named zone; microsecond precision', async () => {
    expect(await evalExpr('time.format(1720788633, "GMT")')).toBe('2024-07-12T12:50:33.000000Z');
    expect(await evalExpr('time.format(1720788633)')).toBe('2024-07-12T12:50:33.000000Z');
    expect(await evalExpr('time.format(1720788633, "Europe/Paris")')).toBe(
      '2024-07-12T14:50:33.000000+02:00',
    );
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/json/encode and json/encode_to_string:
// indent "must be either a boolean, or a dictionary with two optional string attributes: prefix
// (defaulting to an empty string), and indent (defaulting to four spaces)"; ValueError "If the
// input contains types that cannot be JSON-encoded. Examples of such types include callable and
// bytes."
describe('json.encode / json.encode_to_string (stdlib/json/encode)', () => {
  it('indent: true is four spaces; false is compact', async () => {
    expect(await evalExpr('json.encode_to_string({"a": [1]}, true)')).toBe(
      '{\n    "a": [\n        1\n    ]\n}',
    );
    expect(await evalExpr('json.encode_to_string({"a": [1]}, false)')).toBe('{"a":[1]}');
  });
  it('indent as a map: prefix starts every new line, indent repeats per level', async () => {
    expect(
      await evalExpr('json.encode_to_string({"a": 1}, {"prefix": "> ", "indent": "\\t"})'),
    ).toBe('{\n> \t"a": 1\n> }');
    expect(await evalExpr('json.encode_to_string([1], {})')).toBe('[\n    1\n]');
  });
  it('indent of another type is a TypeError; bytes in the data are a ValueError', async () => {
    expect((await evalError('json.encode_to_string(1, 2)')).tags).toEqual(['TypeError']);
    expect((await evalError('json.encode(base64.decode("YQ=="))')).tags).toEqual(['ValueError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/variables#memory-usage: "The maximum
// amount of memory that you can use, in total, for all variables that you define in a single
// workflow execution" — the limit is on the sum, not on one variable.
describe('memory limit over all variables (syntax/variables#memory-usage)', () => {
  it('two variables under the limit each but over it together raise ResourceLimitError', async () => {
    // Each 28-byte string uses 36 bytes: 72 in total.
    const program = `
- a:
    assign:
      - s1: "This is a string of 28 bytes"
      - s2: "This is a string of 28 bytes"
- done:
    return: \${s1 + s2}
`;
    expect((await errorOf(program, null, { limits: { maxVariableBytes: 71 } })).tags).toEqual([
      'ResourceLimitError',
    ]);
    expect(await resultOf(program, null, { limits: { maxVariableBytes: 72 } })).toHaveLength(56);
  });
  it('the variables of a subworkflow that returned no longer count', async () => {
    const program = `
main:
  steps:
    - first:
        call: make
        result: a
    - second:
        call: make
        result: b
    - done:
        return: \${a == b}
make:
  steps:
    - build:
        assign:
          - s: "This is a string of 28 bytes"
    - out:
        return: \${s}
`;
    // Peak 72: a (36) plus the second call's own s (36), then a plus b. Were the first call's s
    // still counted, the second call would need 108.
    expect(await resultOf(program, null, { limits: { maxVariableBytes: 72 } })).toBe(true);
    expect((await errorOf(program, null, { limits: { maxVariableBytes: 71 } })).tags).toEqual([
      'ResourceLimitError',
    ]);
  });
});
