import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadWorkflow,
  WorkflowLoadError,
  type WorkflowHttpClient,
} from '../../../local/workflows/index.js';
import { ENFORCED_LIMITS } from '../../../local/workflows/limits.js';
import { errorOf, resultOf } from './helpers.js';

/** The load error of `source`, or a failure when the definition is accepted. */
const refusal = (source: string): WorkflowLoadError => {
  try {
    loadWorkflow(source, { filename: 'wf.yaml' });
  } catch (err) {
    if (err instanceof WorkflowLoadError) return err;
    throw err;
  }
  throw new Error('the workflow was accepted');
};

const accepts = (source: string): void => {
  expect(() => loadWorkflow(source, { filename: 'wf.yaml' })).not.toThrow();
};

const assignStep = (n: number): string =>
  `- s:\n    assign:\n${Array.from({ length: n }, (_, i) => `      - v${i}: ${i}\n`).join('')}`;

const switchStep = (n: number): string =>
  `- s:\n    switch:\n${Array.from(
    { length: n },
    (_, i) => `      - condition: \${${i} == 1}\n        return: ${i}\n`,
  ).join('')}`;

const parallelStep = (n: number): string =>
  `- p:\n    parallel:\n      branches:\n${Array.from(
    { length: n },
    (_, i) =>
      `        - b${i}:\n            steps:\n              - r${i}:\n                  assign:\n                    - x: ${i}\n`,
  ).join('')}`;

/** `${1 + 1 + ...}` whose expression (between `${` and `}`) is `length` characters long. */
const expressionOf = (length: number): string => {
  const body = `1${' + 1'.repeat((length - 1) / 4)}`;
  expect(body).toHaveLength(length);
  return `- s:\n    return: \${${body}}\n`;
};

// Google refuses these at deploy time: `gcloud workflows deploy` answers
// "[INVALID_ARGUMENT] failed to build: error in step <name>: ..." (its shape as quoted in
// GoogleCloudPlatform/workflows-demos issue #21). The loader refuses them the same way: the step,
// the line, and the limit by name, value and page.
describe('Workflows limits enforced at load time', () => {
  // https://cloud.google.com/workflows/quotas, system limits: "Assignments per assign step" 50
  // (no stored copy of the page reaches the table: FIDELITY.md "Limits").
  it('refuses an assign step with more than 50 assignments', () => {
    accepts(assignStep(50));
    const err = refusal(assignStep(51));
    expect(err.message).toBe(
      'wf.yaml, line 3, step "s": Assignments per assign step limit exceeded: 51 assignments, ' +
        'the maximum is 50 (https://cloud.google.com/workflows/quotas)',
    );
    expect(err.location).toEqual({ filename: 'wf.yaml', line: 3, step: 's' });
  });

  it('counts the inline assign of a switch condition too', () => {
    const inline = `- s:\n    switch:\n      - condition: true\n        assign:\n${Array.from(
      { length: 51 },
      (_, i) => `          - v${i}: ${i}\n`,
    ).join('')}`;
    expect(refusal(inline).message).toContain('Assignments per assign step limit exceeded: 51');
  });

  // https://cloud.google.com/workflows/docs/reference/syntax/conditions:
  // "Each switch block can include a maximum of 50 conditions."
  it('refuses a switch with more than 50 conditions', () => {
    accepts(switchStep(50));
    expect(refusal(switchStep(51)).message).toBe(
      'wf.yaml, line 3, step "s": Conditions per switch limit exceeded: 51 conditions, ' +
        'the maximum is 50 (https://cloud.google.com/workflows/docs/reference/syntax/conditions)',
    );
  });

  // https://cloud.google.com/workflows/quotas, system limits: "Branches per parallel step" 10.
  it('refuses a parallel step with more than 10 branches', () => {
    accepts(parallelStep(10));
    expect(refusal(parallelStep(11)).message).toBe(
      'wf.yaml, line 4, step "p": Branches per parallel step limit exceeded: 11 branches, ' +
        'the maximum is 10 (https://cloud.google.com/workflows/quotas)',
    );
  });

  // https://cloud.google.com/workflows/quotas, system limits: "Expression length" 400 characters.
  it('refuses an expression longer than 400 characters', () => {
    accepts(expressionOf(397));
    expect(refusal(expressionOf(401)).message).toBe(
      'wf.yaml, line 2, step "s": Expression length limit exceeded: 401 characters, ' +
        'the maximum is 400 (https://cloud.google.com/workflows/quotas)',
    );
  });

  // https://cloud.google.com/workflows/docs/reference/rest/v1/projects.locations.workflows
  // Workflow.sourceContents: "Workflow code to be executed. The size limit is 128KB."
  it('refuses a definition larger than 128 KB', () => {
    const padding = `# ${'x'.repeat(200)}\n`.repeat(660); // 133,320 bytes of comments
    const source = `- s:\n    return: 1\n${padding}`;
    const err = refusal(source);
    expect(err.message).toMatch(
      /^wf\.yaml: Source code size limit exceeded: \d+ bytes, the maximum is 131072 \(https:\/\/cloud\.google\.com\/workflows\/docs\/reference\/rest\/v1\/projects\.locations\.workflows#Workflow\)$/,
    );
    accepts(`- s:\n    return: 1\n${`# ${'x'.repeat(200)}\n`.repeat(600)}`);
  });

  it("the product's own workflows stay within every limit", () => {
    for (const file of [
      'provision-environment.yaml',
      'reconcile-tenants.yaml',
      'teardown-environment.yaml',
    ]) {
      const source = readFileSync(new URL(`../../../workflows/${file}`, import.meta.url), 'utf8');
      expect(() => loadWorkflow(source, { filename: file })).not.toThrow();
    }
  });

  it('FIDELITY.md lists every limit the loader enforces, with its value and page', () => {
    const fidelity = readFileSync(
      new URL('../../../local/workflows/FIDELITY.md', import.meta.url),
      'utf8',
    );
    for (const limit of ENFORCED_LIMITS) {
      const row = fidelity.split('\n').find((line) => line.startsWith(`| ${limit.name} `));
      expect(row, limit.name).toBeDefined();
      expect(row).toContain(limit.source);
    }
  });
});

/** An HTTP client answering `size` bytes of text. */
const answering = (size: number): WorkflowHttpClient => ({
  send: () =>
    Promise.resolve({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: new Uint8Array(size).fill(0x61),
    }),
});

const fetchLength = `
- get:
    call: http.get
    args:
      url: http://127.0.0.1:9/big
    result: r
- out:
    return: \${len(r.body) > 0}
`;

// https://cloud.google.com/workflows/quotas, system limits: "Response size" 2 MB, "The maximum size
// of an HTTP response". A run-time limit: the call raises instead of returning the body.
describe('Workflows limits enforced at run time', () => {
  it('an HTTP response larger than 2 MB raises ResourceLimitError', async () => {
    const error = await errorOf(fetchLength, null, {
      http: answering(2 * 1024 * 1024 + 1),
      limits: { maxVariableBytes: 64 * 1024 * 1024 },
    });
    expect(error).toEqual({
      tags: ['ResourceLimitError'],
      message:
        'http.get: HTTP response size limit exceeded: 2097153 bytes, the maximum is 2097152 ' +
        '(https://cloud.google.com/workflows/quotas)',
    });
  });
  it('a 2 MB response is delivered', async () => {
    expect(
      await resultOf(fetchLength, null, {
        http: answering(2 * 1024 * 1024),
        limits: { maxVariableBytes: 64 * 1024 * 1024 },
      }),
    ).toBe(true);
  });
});
