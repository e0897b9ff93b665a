import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/workflows/index.js';
import { errorOf, execute, resultOf } from './helpers.js';

// https://cloud.google.com/workflows/docs/reference/syntax/catching-errors
describe('try/except (reference/syntax/catching-errors)', () => {
  it('binds the error map and lets the workflow test its tags', async () => {
    expect(
      await resultOf(`
- guarded:
    try:
      steps:
        - bad:
            assign:
              - x: '\${{"a": 1}.b}'
    except:
      as: e
      steps:
        - inspect:
            return: \${["KeyError" in e.tags, e.message]}
`),
    ).toEqual([true, 'key not found: b']);
  });
  it('re-raises with raise: ${e}', async () => {
    expect(
      await errorOf(`
- guarded:
    try:
      steps:
        - bad:
            raise:
              reason: custom
    except:
      as: e
      steps:
        - rethrow:
            raise: \${e}
`),
    ).toEqual({ reason: 'custom' });
  });
  it('variables assigned in except exist only inside it', async () => {
    expect(
      (
        await errorOf(`
- guarded:
    try:
      steps:
        - bad:
            raise: x
    except:
      as: e
      steps:
        - note:
            assign:
              - caught: true
- after:
    return: \${caught}
`)
      ).tags,
    ).toEqual(['KeyError']);
  });
});

// https://cloud.google.com/workflows/docs/reference/syntax/retrying
describe('retry with backoff (reference/syntax/retrying)', () => {
  const flaky = (maxRetries: number) => `
main:
  steps:
    - init:
        assign:
          - attempts: 0
    - call_flaky:
        try:
          steps:
            - count:
                assign:
                  - attempts: \${attempts + 1}
            - fail:
                raise:
                  tags: [Flaky]
                  attempts: \${attempts}
        retry:
          predicate: \${only_flaky}
          max_retries: ${maxRetries}
          backoff:
            initial_delay: 2
            max_delay: 10
            multiplier: 2
        except:
          as: e
          steps:
            - give_up:
                return: \${attempts}
only_flaky:
  params: [e]
  steps:
    - check:
        return: \${"Flaky" in e.tags}
`;
  it('retries max_retries times with delays initial*multiplier^n capped at max_delay', async () => {
    const clock = new VirtualClock();
    expect(await resultOf(flaky(5), null, { clock })).toBe(6);
    expect(clock.sleeps).toEqual([2000, 4000, 8000, 10000, 10000]);
  });
  it('does not retry when the predicate says no', async () => {
    const clock = new VirtualClock();
    const outcome = await execute(
      `
- t:
    try:
      raise: boom
    retry:
      predicate: \${retry.never}
      max_retries: 3
      backoff:
        initial_delay: 1
        max_delay: 1
        multiplier: 1
`,
      null,
      { clock },
    );
    expect(outcome.state === 'FAILED' && outcome.error).toBe('boom');
    expect(clock.sleeps).toEqual([]);
  });
  it('http.default_retry: 5 retries, 1 s initial, x1.25, on a retryable error', async () => {
    const clock = new VirtualClock();
    const error = await errorOf(
      `
- t:
    try:
      call: http.get
      args:
        url: http://127.0.0.1:1/unreachable
    retry: \${http.default_retry}
`,
      null,
      {
        clock,
        http: {
          send: async () => ({
            status: 503,
            headers: { 'content-type': 'text/plain' },
            body: new TextEncoder().encode('busy'),
          }),
        },
      },
    );
    expect(error).toMatchObject({ tags: ['HttpError'], code: 503, body: 'busy' });
    expect(clock.sleeps).toEqual([1000, 1250, 1562.5, 1953.125, 2441.40625]);
  });
  it('http.default_retry_non_idempotent does not retry 502, the idempotent one does', async () => {
    const run = async (policy: string) => {
      const clock = new VirtualClock();
      await errorOf(
        `- t:\n    try:\n      call: http.post\n      args:\n        url: http://127.0.0.1:1/x\n    retry: \${${policy}}\n`,
        null,
        {
          clock,
          http: { send: async () => ({ status: 502, headers: {}, body: new Uint8Array() }) },
        },
      );
      return clock.sleeps.length;
    };
    expect(await run('http.default_retry_non_idempotent')).toBe(0);
    expect(await run('http.default_retry')).toBe(5);
  });
  it('default_retry_predicate retries 429/502/503/504 and connection errors, not 500', async () => {
    const check = (e: string) =>
      resultOf(`- r:\n    return: '\${http.default_retry_predicate(${e})}'\n`);
    expect(await check('{"tags": ["HttpError"], "code": 429}')).toBe(true);
    expect(await check('{"tags": ["HttpError"], "code": 504}')).toBe(true);
    expect(await check('{"tags": ["HttpError"], "code": 500}')).toBe(false);
    expect(await check('{"tags": ["ConnectionFailedError"]}')).toBe(true);
    expect(
      await resultOf(
        `- r:\n    return: '\${http.default_retry_predicate_non_idempotent({"tags": ["HttpError"], "code": 503})}'\n`,
      ),
    ).toBe(true);
  });
});
