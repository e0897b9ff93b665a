import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadWorkflow,
  runWorkflow,
  VirtualClock,
  type ExecutionResult,
} from '../../../local/workflows/index.js';

// An independent corpus: programs from Google's docs and from the lemonberrylabs emulator's test
// suite, each with the result its source states (test/fixtures/workflows/corpus/SOURCE.md).

type Outcome = { state: 'SUCCEEDED'; result: unknown } | { state: 'FAILED'; errorTags: string[] };

interface CorpusProgram {
  name: string;
  source: string;
  url: string;
  env?: Record<string, string>;
  argument?: unknown;
  expected: Outcome;
  /** Set where our interpreter knowingly differs from the source, with the deciding page. */
  divergence?: { ours: Outcome; why: string };
}

const folder = fileURLToPath(new URL('../../fixtures/workflows/corpus/', import.meta.url));
const { programs } = JSON.parse(readFileSync(`${folder}corpus.json`, 'utf8')) as {
  programs: CorpusProgram[];
};

function matches(outcome: ExecutionResult, expected: Outcome): boolean {
  if (outcome.state === 'SUCCEEDED') {
    if (expected.state !== 'SUCCEEDED') return false;
    try {
      expect(outcome.result).toEqual(expected.result);
      return true;
    } catch {
      return false;
    }
  }
  if (expected.state !== 'FAILED') return false;
  const tags = (outcome.error as { tags?: unknown } | null)?.tags;
  return JSON.stringify(tags) === JSON.stringify(expected.errorTags);
}

const tally = { agree: 0, documentedDivergence: 0 };

describe('Workflows corpus (test/fixtures/workflows/corpus)', () => {
  it('holds at least 20 programs from both sources', () => {
    expect(programs.length).toBeGreaterThanOrEqual(20);
    expect(new Set(programs.map((p) => p.source))).toEqual(
      new Set(['google-docs', 'lemonberrylabs-emulator']),
    );
  });

  for (const program of programs) {
    const label = `${program.name}${program.divergence ? ' (documented divergence)' : ''}`;
    it(label, async () => {
      const source = readFileSync(`${folder}${program.name}.yaml`, 'utf8');
      const outcome = await runWorkflow(
        loadWorkflow(source, { filename: `${program.name}.yaml` }),
        program.argument ?? null,
        { clock: new VirtualClock(), ...(program.env ? { env: program.env } : {}) },
      );
      if (program.divergence) {
        // The source's expectation must not hold, and ours must be exactly what we documented:
        // a divergence that silently changes is caught here.
        expect(matches(outcome, program.expected)).toBe(false);
        expect(matches(outcome, program.divergence.ours)).toBe(true);
        tally.documentedDivergence++;
        return;
      }
      expect(matches(outcome, program.expected), JSON.stringify(outcome)).toBe(true);
      tally.agree++;
    });
  }

  afterAll(() => {
    console.info(
      `workflows corpus: ${tally.agree}/${programs.length} agree with their source, ` +
        `${tally.documentedDivergence} differ as documented in corpus.json`,
    );
  });
});
