import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The path of the `name` binary a suite runs: the first `name` on PATH (Cloud Build's test step
 * installs kubectl and terraform into /workspace/.tools/bin and puts it on PATH), else `fallback`,
 * where the CI machine image ships it. Give the result to {@link skipWithout}.
 * test/deploy/cloudbuild.test.ts finds the suites' binaries by these calls: name them literally.
 */
export function binaryPath(name: string, fallback: string): string {
  return (
    (process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, name))
      .find((path) => existsSync(path)) ?? fallback
  );
}

/**
 * Whether a suite that needs the binary at `path` must be skipped: only on a developer's machine
 * without it. Under CI=true a missing binary fails the run instead (the machine image ships it;
 * .ci/run checks for it first), so a green CI never hides a suite that did not run.
 */
export function skipWithout(path: string): boolean {
  if (existsSync(path)) return false;
  if (process.env.CI === 'true') {
    throw new Error(
      `${path} is missing; under CI=true a suite needing it fails instead of skipping`,
    );
  }
  return true;
}

/**
 * EGRESS_SKIP_GCLOUD=1 lets a developer skip the slow gcloud suites locally; CI always runs them.
 */
export const skipGcloudSuites = process.env.EGRESS_SKIP_GCLOUD === '1' && process.env.CI !== 'true';
