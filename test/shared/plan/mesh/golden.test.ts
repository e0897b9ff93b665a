import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { desiredObjects, toYamlStream } from '../../../../shared/plan/mesh/index.js';
import { fixturePath, makeEnvironment, tutorialEnvironment, tutorialTenants } from './tutorial.js';

/**
 * Golden files: the compiler's output for examples/tutorial, reviewed as YAML. A change in the
 * output fails here until the golden file is regenerated (UPDATE_GOLDEN=1) and reviewed.
 */
const cases: { file: string; render: () => string }[] = [
  {
    file: 'golden/tutorial.yaml',
    render: () => toYamlStream(desiredObjects(tutorialEnvironment(), tutorialTenants())),
  },
  {
    file: 'golden/tutorial-before-revision-ready.yaml',
    render: () =>
      toYamlStream(
        desiredObjects(tutorialEnvironment(), tutorialTenants(), { revisionReady: false }),
      ),
  },
  {
    file: 'golden/tutorial-istio-mutual.yaml',
    render: () =>
      toYamlStream(
        desiredObjects(
          makeEnvironment({
            ...tutorialEnvironment().spec,
            mesh: { passthroughMode: 'istio-mutual' },
          }),
          tutorialTenants(),
        ),
      ),
  },
];

describe('golden files of examples/tutorial', () => {
  for (const { file, render } of cases) {
    it(`matches ${file}`, () => {
      const path = fixturePath(file);
      const rendered = render();
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
        // Written on first run or on request; a missing file still fails so CI never passes blind.
        writeFileSync(path, rendered);
        if (process.env.UPDATE_GOLDEN !== '1')
          throw new Error(`${file} was missing: written, review it`);
      }
      expect(rendered).toBe(readFileSync(path, 'utf8'));
    });
  }
});
