import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../local/workflows/index.js';
import { ENVIRONMENT_STEPS } from '../../shared/plan/graph.js';
import { WORKFLOWS_DIR, workflowSource } from './run-definition.js';

const FILES = ['provision-environment.yaml', 'teardown-environment.yaml', 'reconcile-tenants.yaml'];
const SHARED_MARKER = '# ---- shared subworkflows';

describe('workflow definitions', () => {
  it('are exactly the three product workflows', () => {
    expect(readdirSync(WORKFLOWS_DIR).sort()).toEqual([...FILES].sort());
  });

  for (const file of FILES) {
    it(`${file} passes load-time validation`, () => {
      const workflow = loadWorkflow(workflowSource(file), { filename: file });
      expect([...workflow.subworkflows.keys()]).toEqual(
        expect.arrayContaining(['main', 'run_step', 'finish_run', 'finalize_failed']),
      );
    });
  }

  it('share one identical copy of the subworkflows (Workflows has no imports)', () => {
    const tails = FILES.map((file) => {
      const source = workflowSource(file);
      const at = source.indexOf(SHARED_MARKER);
      expect(at, `${file} has the shared section`).toBeGreaterThan(0);
      return source.slice(at);
    });
    expect(tails[1]).toBe(tails[0]);
    expect(tails[2]).toBe(tails[0]);
  });

  it('use only http.* calls, never connectors (the local interpreter refuses them)', () => {
    for (const file of FILES) expect(workflowSource(file)).not.toMatch(/googleapis\.[a-z]+\.v\d/);
  });

  it('call every environment step in provision and teardown', () => {
    for (const file of ['provision-environment.yaml', 'teardown-environment.yaml']) {
      const called = [...workflowSource(file).matchAll(/^\s+step: ([a-z-]+)$/gm)].map((m) => m[1]);
      expect(new Set(called), file).toEqual(new Set(ENVIRONMENT_STEPS));
    }
  });
});
