import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/workflows/index.js';
import { errorOf, execute, resultOf } from './helpers.js';

// https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps
describe('parallel branches (reference/syntax/parallel-steps)', () => {
  it('runs branches concurrently: sleeps overlap on the virtual clock', async () => {
    const clock = new VirtualClock(0);
    const out = await resultOf(
      `
- init:
    assign:
      - log: []
- both:
    parallel:
      shared: [log]
      branches:
        - slow:
            steps:
              - wait5:
                  call: sys.sleep
                  args: {seconds: 5}
              - note5:
                  assign:
                    - log: \${list.concat(log, "slow")}
        - fast:
            steps:
              - wait3:
                  call: sys.sleep
                  args: {seconds: 3}
              - note3:
                  assign:
                    - log: \${list.concat(log, "fast")}
- done:
    return: \${[log, sys.now()]}
`,
      null,
      { clock },
    );
    expect(out).toEqual([['fast', 'slow'], 5]);
  });
  it('refuses assignment to a parent variable that is not shared', async () => {
    const error = await errorOf(`
- init:
    assign:
      - total: 0
- p:
    parallel:
      branches:
        - a:
            steps:
              - set:
                  assign:
                    - total: 1
        - b:
            steps:
              - nothing:
                  assign:
                    - local: 1
`);
    // The branch fails; continueAll then reports it as an UnhandledBranchError.
    expect(error.tags).toEqual(['UnhandledBranchError']);
    expect(error.branches[0].error.tags).toEqual(['TypeError']);
    expect(error.branches[0].error.message).toContain('"total"');
  });
  it('collects unhandled branch errors into UnhandledBranchError after all branches ran', async () => {
    const outcome = await execute(`
- init:
    assign:
      - done: []
- p:
    parallel:
      shared: [done]
      branches:
        - bad:
            steps:
              - boom:
                  raise: broken
        - good:
            steps:
              - ok:
                  assign:
                    - done: \${list.concat(done, "good")}
`);
    expect(outcome.state).toBe('FAILED');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- error maps are checked field by field
    const error = outcome.state === 'FAILED' ? (outcome.error as any) : undefined;
    expect(error.tags).toEqual(['UnhandledBranchError']);
    expect(error.branches).toEqual([{ id: 'bad', error: 'broken' }]);
    expect(outcome.trace.map((t) => t.step)).toContain('ok');
  });
});

describe('parallel for (reference/syntax/parallel-steps#parallel-iteration)', () => {
  it('runs iterations with at most concurrency_limit at once', async () => {
    const clock = new VirtualClock(0);
    const out = await resultOf(
      `
- init:
    assign:
      - total: 0
- loop:
    parallel:
      shared: [total]
      concurrency_limit: 2
      for:
        value: n
        in: [1, 2, 3, 4]
        steps:
          - wait:
              call: sys.sleep
              args: {seconds: 10}
          - add:
              assign:
                - total: \${total + n}
- done:
    return: \${[total, sys.now()]}
`,
      null,
      { clock },
    );
    // Four 10 s iterations, two at a time: 20 s of virtual time.
    expect(out).toEqual([10, 20]);
  });
  it('nesting beyond depth 2 through subworkflows raises ParallelNestingError', async () => {
    const error = await errorOf(`
main:
  steps:
    - p:
        parallel:
          for:
            value: n
            in: [1]
            steps:
              - c:
                  call: level2
level2:
  steps:
    - p:
        parallel:
          for:
            value: n
            in: [1]
            steps:
              - c:
                  call: level3
level3:
  steps:
    - p:
        parallel:
          for:
            value: n
            in: [1]
            steps:
              - x:
                  assign:
                    - y: 1
`);
    expect(error.tags).toEqual(['UnhandledBranchError']);
    expect(JSON.stringify(error)).toContain('ParallelNestingError');
  });
});
