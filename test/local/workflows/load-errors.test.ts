import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../../local/workflows/index.js';

const refusal = (source: string): string => {
  try {
    loadWorkflow(source, { filename: 'wf.yaml' });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the workflow was accepted');
};

// https://cloud.google.com/workflows/docs/reference/syntax — Google refuses these at deploy time.
describe('load-time refusals name the step, the line and the rule (reference/syntax)', () => {
  it('unknown step keys', () => {
    expect(
      refusal('- first:\n    assign:\n      - x: 1\n- second:\n    asign:\n      - y: 2\n'),
    ).toBe('wf.yaml, line 5, step "second": unknown or misplaced key "asign" in a step');
  });
  it('two actions in one step', () => {
    expect(refusal('- s:\n    assign:\n      - x: 1\n    return: 1\n')).toBe(
      'wf.yaml, line 2, step "s": a step can have only one of assign, return',
    );
  });
  it('unknown next targets', () => {
    expect(refusal('- s:\n    next: nowhere\n')).toBe(
      'wf.yaml, line 2, step "s": "next" refers to unknown step "nowhere"',
    );
  });
  it('break outside a loop', () => {
    expect(refusal('- s:\n    next: break\n')).toBe(
      'wf.yaml, line 2, step "s": "next: break" is only allowed inside a for loop',
    );
  });
  it('calls to unknown subworkflows and functions', () => {
    expect(refusal('- s:\n    call: no_such_thing\n')).toBe(
      'wf.yaml, line 2, step "s": unknown function or subworkflow "no_such_thing"',
    );
    expect(refusal('- s:\n    return: \'${text.shout("a")}\'\n')).toBe(
      'wf.yaml, line 2, step "s": unknown function or subworkflow "text.shout"',
    );
  });
  it('blocking calls inside expressions', () => {
    expect(refusal('- s:\n    return: \'${http.get("http://x")}\'\n')).toContain(
      'blocking function "http.get" can only be used in a call step',
    );
  });
  it('unknown and missing subworkflow arguments', () => {
    const base =
      'main:\n  steps:\n    - c:\n        call: sub\n        args:\n          %ARGS%\nsub:\n  params: [a]\n  steps:\n    - r:\n        return: 1\n';
    expect(refusal(base.replace('%ARGS%', 'b: 1'))).toBe(
      'wf.yaml, line 4, step "c": subworkflow "sub" has no parameter "b"',
    );
    expect(refusal(base.replace('        args:\n          %ARGS%\n', ''))).toBe(
      'wf.yaml, line 4, step "c": call to "sub" is missing required argument "a"',
    );
  });
  it('wrong types of constructs', () => {
    expect(refusal('- s:\n    assign: 3\n')).toBe(
      'wf.yaml, line 2, step "s": "assign" must be a non-empty list of single-key maps',
    );
    expect(
      refusal(
        '- s:\n    for:\n      value: v\n      steps:\n        - a:\n            return: 1\n',
      ),
    ).toBe('wf.yaml, line 3, step "s": "for" needs exactly one of "in" and "range"');
  });
  it('expression syntax errors and partial interpolation', () => {
    expect(refusal("- s:\n    return: '${1 +}'\n")).toMatch(
      /^wf\.yaml, line 2, step "s": invalid expression "\$\{1 \+\}": unexpected end of expression/,
    );
    expect(refusal("- s:\n    return: 'hello ${name}'\n")).toBe(
      'wf.yaml, line 2, step "s": an expression must be the whole value: "hello ${name}"',
    );
  });
  it('unsupported constructs: connectors, callbacks, exception policies, deep parallel nesting', () => {
    expect(refusal('- s:\n    call: googleapis.compute.v1.networks.insert\n')).toContain(
      'connector "googleapis.compute.v1.networks.insert" is not supported',
    );
    expect(refusal('- s:\n    call: events.await_callback\n')).toContain('not supported');
    expect(
      refusal(
        '- s:\n    parallel:\n      exception_policy: failFast\n      branches:\n        - a:\n            steps:\n              - x:\n                  return: 1\n',
      ),
    ).toContain('"exception_policy" supports only "continueAll"');
    const nested = (inner: string, name: string) =>
      `parallel:\n  for:\n    value: v\n    in: [1]\n    steps:\n      - ${name}:\n${inner.replace(/^/gm, '          ')}`;
    const three = nested(nested(nested('assign:\n  - y: 1', 'n3'), 'n2'), 'n1');
    expect(refusal(`- s:\n${three.replace(/^/gm, '    ')}`)).toContain(
      'parallel steps can be nested at most 2 deep',
    );
  });
  it('duplicate step names and a missing main', () => {
    expect(refusal('- a:\n    next: end\n- a:\n    next: end\n')).toBe(
      'wf.yaml, line 3, step "a": duplicate step name "a" in "main"',
    );
    expect(refusal('other:\n  steps:\n    - a:\n        return: 1\n')).toContain(
      'a workflow needs a "main" block',
    );
  });
  it('invalid YAML reports its line', () => {
    expect(refusal('- a:\n    assign:\n      - x: [1\n')).toMatch(
      /^wf\.yaml, line \d+: invalid YAML\/JSON/,
    );
  });
  it('accepts the JSON form', () => {
    const wf = loadWorkflow(
      JSON.stringify({ main: { params: ['args'], steps: [{ r: { return: '${args.x}' } }] } }),
      { filename: 'wf.json' },
    );
    expect([...wf.subworkflows.keys()]).toEqual(['main']);
  });
});
