/** Reads the real inputs of the coverage check: functions/index.ts, workflows/, infra/, cloudbuild.yaml. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deployActions } from '../../deploy/actions.js';
import type { CoverageInput } from '../../deploy/coverage.js';
import { parseHcl } from '../../deploy/hcl.js';
import { deploymentPlan } from '../../deploy/manifest.js';

/** The repository root (tests run from it). */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The coverage inputs as the repository has them now. */
export async function loadCoverageInput(): Promise<CoverageInput> {
  const { HTTP_FUNCTIONS, CLOUD_EVENT_FUNCTIONS } = await import('../../functions/index.js');
  const plan = deploymentPlan({
    project: 'coverage-project',
    region: 'us-central1',
    projectNumber: '123456789',
  });
  const workflowFiles = await readdir(join(ROOT, 'workflows')).catch(() => [] as string[]);
  const tfFiles = (await readdir(join(ROOT, 'infra'))).filter((f) => f.endsWith('.tf')).sort();
  const terraform = await Promise.all(
    tfFiles.map(async (f) => {
      const text = await readFile(join(ROOT, 'infra', f), 'utf8');
      return { file: `infra/${f}`, text, blocks: parseHcl(text, `infra/${f}`) };
    }),
  );
  const cloudbuildText = await readFile(join(ROOT, 'cloudbuild.yaml'), 'utf8');
  return {
    plan,
    actions: deployActions(plan),
    exported: { http: Object.keys(HTTP_FUNCTIONS), cloudEvent: Object.keys(CLOUD_EVENT_FUNCTIONS) },
    workflowFiles,
    terraform,
    cloudbuild: { parsed: parse(cloudbuildText) as unknown, text: cloudbuildText },
  };
}
