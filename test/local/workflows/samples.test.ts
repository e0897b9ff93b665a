import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, runWorkflow, VirtualClock } from '../../../local/workflows/index.js';

const fixtures = fileURLToPath(new URL('../../fixtures/workflows/', import.meta.url));
const samples = readdirSync(fixtures).filter(
  (f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.expected.json'),
);

// Complete programs of the kind in Google's docs; see test/fixtures/workflows/SOURCE.md for pages.
describe('sample programs (test/fixtures/workflows)', () => {
  it('has samples to run', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });
  for (const file of samples) {
    it(file, async () => {
      const expected = JSON.parse(
        readFileSync(`${fixtures}${file.replace(/\.(ya?ml|json)$/, '')}.expected.json`, 'utf8'),
      );
      const clock = new VirtualClock();
      const outcome = await runWorkflow(
        loadWorkflow(readFileSync(`${fixtures}${file}`, 'utf8'), { filename: file }),
        expected.argument,
        { clock },
      );
      expect(outcome.state).toBe(expected.state);
      if (outcome.state === 'SUCCEEDED') expect(outcome.result).toEqual(expected.result);
      else expect(outcome.error).toEqual(expected.error);
      if (expected.sleeps) expect(clock.sleeps).toEqual(expected.sleeps);
    });
  }
});
