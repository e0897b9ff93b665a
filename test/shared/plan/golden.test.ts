import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planEnvironment } from '../../../shared/plan/index.js';
import { FIXTURES, tutorialEnvironment } from './helpers.js';

const GOLDEN = `${FIXTURES}golden/`;
// Rewrites the committed bodies instead of comparing: review the diff before committing.
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden request bodies for examples/tutorial', () => {
  const plan = planEnvironment(tutorialEnvironment());
  if (update) mkdirSync(GOLDEN, { recursive: true });

  for (const step of plan.steps.filter((s) => s.creates.length > 0)) {
    it(`${step.name}: every request equals test/fixtures/plan/golden/${step.name}.json`, () => {
      const file = `${GOLDEN}${step.name}.json`;
      const actual = `${JSON.stringify(step.creates, null, 2)}\n`;
      if (update) writeFileSync(file, actual);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  it('keeps no golden file of a step that no longer makes requests', () => {
    const planned = plan.steps.filter((s) => s.creates.length > 0).map((s) => `${s.name}.json`);
    expect(readdirSync(GOLDEN).sort()).toEqual(planned.sort());
  });

  it('is deterministic', () => {
    expect(JSON.stringify(planEnvironment(tutorialEnvironment()))).toBe(JSON.stringify(plan));
  });

  it('plans every step, in dependency order', () => {
    const seen = new Set<string>();
    for (const step of plan.steps) {
      step.dependsOn.forEach((dep) => expect(seen).toContain(dep));
      seen.add(step.name);
    }
    expect(seen.size).toBe(13);
  });
});
