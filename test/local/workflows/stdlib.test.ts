import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/workflows/index.js';
import { evalError, evalExpr, resultOf, returning } from './helpers.js';

// https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers
describe('expression helpers (reference/stdlib/expression-helpers)', () => {
  it('default returns the value unless it is null', async () => {
    expect(await evalExpr('default(null, "x")')).toBe('x');
    expect(await evalExpr('default(0, "x")')).toBe(0);
  });
  it('keys and len', async () => {
    expect(await evalExpr('keys({"b": 1, "a": 2})')).toEqual(['b', 'a']);
    expect(await evalExpr('[len("héllo"), len([1, 2]), len({"a": 1})]')).toEqual([5, 2, 1]);
  });
  it('int, double, string, bool conversions', async () => {
    expect(await evalExpr('int("42") + int(2.9)')).toBe(44);
    expect(await evalExpr('get_type(double("2"))')).toBe('double');
    expect(await evalExpr('string(2.0) + "/" + string(3) + "/" + string(true)')).toBe('2.0/3/true');
    expect(await evalExpr('bool("True")')).toBe(true);
    expect((await evalError('int("abc")')).tags).toEqual(['ValueError']);
  });
  it('get_type names every type', async () => {
    expect(
      await evalExpr(
        '[get_type(1), get_type(1.5), get_type("s"), get_type(true), get_type(null), get_type([]), get_type({}), get_type(text.encode("x"))]',
      ),
    ).toEqual(['integer', 'double', 'string', 'boolean', 'null', 'list', 'map', 'bytes']);
  });
  it('if picks a branch', async () => {
    expect(await evalExpr('if(1 > 2, "a", "b")')).toBe('b');
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/map/get (and delete, merge, merge_nested)
describe('map module (reference/stdlib/map)', () => {
  it('map.get follows a key path and answers null when absent', async () => {
    expect(await evalExpr('map.get({"a": {"b": 1}}, ["a", "b"])')).toBe(1);
    expect(await evalExpr('map.get({"a": 1}, "z")')).toBeNull();
  });
  it('map.delete, map.merge, map.merge_nested return new maps', async () => {
    expect(await evalExpr('map.delete({"a": 1, "b": 2}, "a")')).toEqual({ b: 2 });
    expect(await evalExpr('map.merge({"a": {"x": 1}}, {"a": {"y": 2}})')).toEqual({ a: { y: 2 } });
    expect(await evalExpr('map.merge_nested({"a": {"x": 1}}, {"a": {"y": 2}})')).toEqual({
      a: { x: 1, y: 2 },
    });
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/list/concat
describe('list module (reference/stdlib/list)', () => {
  it('concat appends and prepend prepends', async () => {
    expect(await evalExpr('list.concat([1, 2], 3)')).toEqual([1, 2, 3]);
    expect(await evalExpr('list.prepend([1, 2], 0)')).toEqual([0, 1, 2]);
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/text/overview
describe('text module (reference/stdlib/text)', () => {
  it('find_all and find_all_regex return index/match maps', async () => {
    expect(await evalExpr('text.find_all("abab", "ab")')).toEqual([
      { index: 0, match: 'ab' },
      { index: 2, match: 'ab' },
    ]);
    expect(await evalExpr('text.find_all_regex("a1b22", "[0-9]+")')).toEqual([
      { index: 1, match: '1' },
      { index: 3, match: '22' },
    ]);
  });
  it('match_regex, split, replace_all, replace_all_regex', async () => {
    expect(await evalExpr('text.match_regex("hello123", "[0-9]+$")')).toBe(true);
    expect(await evalExpr('text.split("a,b,c", ",")')).toEqual(['a', 'b', 'c']);
    expect(await evalExpr('text.replace_all("a-b-c", "-", "+")')).toBe('a+b+c');
    expect(
      await evalExpr('text.replace_all_regex("John Smith", "(\\\\w+) (\\\\w+)", "\\\\2 \\\\1")'),
    ).toBe('Smith John');
  });
  it('substring clamps to the string and case helpers', async () => {
    expect(await evalExpr('text.substring("workflows", 0, 4)')).toBe('work');
    expect(await evalExpr('text.substring("abc", 1, 99)')).toBe('bc');
    expect(await evalExpr('text.to_upper("ab") + text.to_lower("CD")')).toBe('ABcd');
  });
  it('url_encode uses %20 and url_encode_plus uses +', async () => {
    expect(await evalExpr('text.url_encode("a b&c")')).toBe('a%20b%26c');
    expect(await evalExpr('text.url_encode_plus("a b&c")')).toBe('a+b%26c');
  });
  it('encode and decode round-trip through bytes', async () => {
    expect(await evalExpr('text.decode(text.encode("héllo"))')).toBe('héllo');
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/json/overview, base64/overview
describe('json and base64 modules (reference/stdlib/json, reference/stdlib/base64)', () => {
  it('encode_to_string, encode/decode round-trip', async () => {
    expect(await evalExpr('json.encode_to_string({"a": [1, 2.5, "x", null, true]})')).toBe(
      '{"a":[1,2.5,"x",null,true]}',
    );
    expect(await evalExpr('json.decode(json.encode({"k": "v"}))')).toEqual({ k: 'v' });
    expect(await evalExpr('json.decode("[1, 2]")')).toEqual([1, 2]);
    expect((await evalError('json.decode("{")')).tags).toEqual(['ValueError']);
  });
  it('base64 encodes bytes and decodes to bytes', async () => {
    expect(await evalExpr('base64.encode(text.encode("hello"))')).toBe('aGVsbG8=');
    expect(await evalExpr('text.decode(base64.decode("aGVsbG8="))')).toBe('hello');
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/math/overview
describe('math module (reference/stdlib/math)', () => {
  it('abs, floor, max, min, sqrt', async () => {
    expect(
      await evalExpr(
        '[math.abs(-3), math.floor(2.7), math.max(1, 2.5), math.min(4, 3), math.sqrt(16)]',
      ),
    ).toEqual([3, 2, 2.5, 3, 4]);
    expect(await evalExpr('get_type(math.floor(2.7))')).toBe('integer');
  });
});

// https://cloud.google.com/workflows/docs/reference/stdlib/time/format, time/parse, sys/now
describe('time, sys.now, uuid (reference/stdlib/time, reference/stdlib/sys)', () => {
  it('time.format prints RFC 3339 with microseconds and time.parse reverses it', async () => {
    expect(await evalExpr('time.format(1234567890)')).toBe('2009-02-13T23:31:30.000000Z');
    expect(await evalExpr('time.parse("2009-02-13T23:31:30.5Z")')).toBe(1234567890.5);
    expect(await evalExpr('time.format(0, "Asia/Seoul")')).toBe('1970-01-01T09:00:00.000000+09:00');
  });
  it('sys.now reads the injected clock in seconds', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    expect(await resultOf(returning('sys.now()'), null, { clock })).toBe(1_700_000_000);
  });
  it('uuid.generate returns a v4 UUID', async () => {
    expect(await evalExpr('uuid.generate()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

// https://cloud.google.com/workflows/docs/reference/environment-variables
describe('sys.get_env (reference/environment-variables)', () => {
  it('answers built-ins and user variables given at run time', async () => {
    const out = await resultOf(
      returning(
        '[sys.get_env("GOOGLE_CLOUD_PROJECT_ID"), sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID"), sys.get_env("TEAM"), sys.get_env("MISSING")]',
      ),
      null,
      { env: { GOOGLE_CLOUD_PROJECT_ID: 'proj-1', TEAM: 'x' }, executionId: 'exec-9' },
    );
    expect(out).toEqual(['proj-1', 'exec-9', 'x', null]);
  });
  it('defines every documented built-in', async () => {
    const names = [
      'GOOGLE_CLOUD_PROJECT_ID',
      'GOOGLE_CLOUD_PROJECT_NUMBER',
      'GOOGLE_CLOUD_LOCATION',
      'GOOGLE_CLOUD_WORKFLOW_ID',
      'GOOGLE_CLOUD_WORKFLOW_REVISION_ID',
      'GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID',
    ];
    const out = (await evalExpr(
      `[${names.map((n) => `sys.get_env("${n}")`).join(', ')}]`,
    )) as unknown[];
    expect(out.every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    expect(out[3]).toBe('test');
  });
});
