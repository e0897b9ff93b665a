import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SDK_PLATFORM_DIR } from '../../local/emulators.js';
import { ROOT } from './inputs.js';

/**
 * Cloud Build runs every suite: the step of cloudbuild.yaml that runs vitest has each binary a
 * suite needs, with CI=true so that a missing one fails the build instead of skipping the suite
 * (test/support/binaries.ts). What the suites need is read from the test files themselves:
 * `binaryPath('<name>', ...)` (kubectl, terraform), `skipGcloudSuites` (gcloud on PATH), the
 * emulator harnesses (Java and the SDK's emulators at local/emulators.ts's SDK_PLATFORM_DIR),
 * and `npx` for node.
 */

interface Step {
  id?: string;
  name?: string;
  entrypoint?: string;
  args?: unknown[];
  env?: string[];
  waitFor?: string[];
}

interface Cloudbuild {
  substitutions?: Record<string, unknown>;
  steps?: Step[];
}

/**
 * What gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators ships (GoogleCloudPlatform/
 * cloud-sdk-docker emulators/Dockerfile: the SDK tarball unpacked at /google-cloud-sdk with
 * `ENV PATH=/google-cloud-sdk/bin:$PATH`, the Firestore and Pub/Sub emulator components, and
 * Debian's curl, python3 and openjdk-*-jre-headless, whose java is /usr/bin/java).
 */
const EMULATORS_IMAGE = {
  sdkRoot: '/google-cloud-sdk',
  files: new Set([
    '/google-cloud-sdk/bin/gcloud',
    '/usr/bin/java',
    '/usr/bin/python3',
    '/usr/bin/curl',
    '/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator',
    '/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
  ]),
};

/** Binaries of the Debian packages a step may install with apt-get. */
const DEBIAN_PACKAGES = {
  procps: ['/usr/bin/pgrep', '/usr/bin/ps', '/usr/bin/pkill'],
  git: ['/usr/bin/git'],
  chromium: ['/usr/bin/chromium'],
};

/** A binary (or the emulators) some suite needs, and the test files that need it. */
interface Need {
  tool: string;
  files: string[];
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What the suites need, read from their source (test/support's own tests excluded). */
function suiteNeeds(root = ROOT): Need[] {
  const needs = new Map<string, Set<string>>();
  const need = (tool: string, file: string) => {
    needs.set(tool, (needs.get(tool) ?? new Set()).add(file));
  };
  for (const path of testFiles(join(root, 'test'))) {
    const file = relative(root, path);
    if (file === 'test/support/binaries.test.ts' || file === 'test/deploy/cloudbuild.test.ts')
      continue;
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/\bbinaryPath\(\s*'([\w.-]+)'/g)) need(match[1]!, file);
    if (/\bskipGcloudSuites\b/.test(text)) need('gcloud', file);
    for (const match of text.matchAll(/\bexecFile(?:Sync)?\(\s*'([\w.-]+)'/g))
      need(match[1]!, file);
    if (/\b(startTestEmulators|startEmulators|startLocalStack|startTutorialStack)\(/.test(text))
      need('emulators', file);
    need('node', file);
  }
  return [...needs].map(([tool, files]) => ({ tool, files: [...files].sort() }));
}

const scriptOf = (step: Step): string => (step.args ?? []).map(String).join('\n');

/** The steps `step` waits for, transitively (`waitFor` absent: every earlier step). */
function before(steps: Step[], step: Step): Step[] {
  const index = steps.indexOf(step);
  const direct =
    step.waitFor === undefined
      ? steps.slice(0, index)
      : steps.filter((s) => s.id !== undefined && step.waitFor!.includes(s.id));
  return [...new Set(direct.flatMap((s) => [s, ...before(steps, s)]))];
}

/**
 * The problems of the step that runs the tests: a needed binary it does not provide (installed
 * by it, pinned and checksum-verified, or by an earlier step, or shipped by the image, in a
 * directory of its PATH), or no CI=true.
 */
function checkTestStep(cloudbuild: Cloudbuild, needs: Need[]): string[] {
  const steps = cloudbuild.steps ?? [];
  const step = steps.find((s) => /\bvitest\s+run\b/.test(scriptOf(s)));
  if (!step) return ['no step runs the tests (vitest run)'];
  const problems: string[] = [];
  const where = `step "${step.id ?? '?'}"`;
  if (!/:emulators$/.test(step.name ?? ''))
    problems.push(`${where} does not use the emulators image`);
  const env = new Map(
    (step.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  if (env.get('CI') !== 'true')
    problems.push(`${where} does not set CI=true: a suite missing its binary would skip`);
  const path = (env.get('PATH') ?? '').split(':').filter(Boolean);
  const script = scriptOf(step);
  const lines = script.split('\n');
  const substitutions = cloudbuild.substitutions ?? {};

  /** Where a binary named `tool` is installed by this step: checked for a pin and a checksum. */
  const installedHere = (tool: string): string | undefined => {
    const at = lines.findIndex((l) =>
      new RegExp(`\\binstall\\s+-m\\s+0?755\\s+\\S+\\s+(\\S+/${tool})(\\s|$)`).test(l),
    );
    if (at < 0) return undefined;
    const destination = new RegExp(`(\\S+/${tool})(\\s|$)`).exec(
      lines[at]!.replace(/.*\binstall\s+-m\s+0?755\s+\S+\s+/, ''),
    )![1]!;
    const version = `_${tool.toUpperCase()}_VERSION`;
    const earlier = lines.slice(0, at);
    if (!script.includes(`\${${version}}`) || !(version in substitutions))
      problems.push(
        `${where} installs ${tool} without a version pinned as substitution ${version}`,
      );
    if (!earlier.some((l) => /\bcurl\b/.test(l)) || !earlier.some((l) => /sha256sum -c/.test(l)))
      problems.push(`${where} installs ${tool} without verifying its checksum (sha256sum -c)`);
    return destination;
  };

  // Debian packages the step installs with apt (signature-checked by apt), and their binaries.
  const aptFiles = [...script.matchAll(/\bapt-get install\b[^\n]*/g)].flatMap((m) =>
    m[0]
      .split(/\s+/)
      .flatMap((word) => DEBIAN_PACKAGES[word as keyof typeof DEBIAN_PACKAGES] ?? []),
  );
  const onPath = (file: string): boolean =>
    path.some((dir) => file === `${dir}/${file.split('/').pop()!}`);
  const provides = (tool: string): boolean => {
    const here = installedHere(tool);
    if (here) return onPath(here);
    return [...EMULATORS_IMAGE.files, ...aptFiles].some((f) => f.endsWith(`/${tool}`) && onPath(f));
  };

  for (const { tool, files } of needs) {
    const who = `${tool} (needed by ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''})`;
    if (tool === 'node') {
      const unpacked = before(steps, step).some((s) => {
        const text = scriptOf(s);
        return /cd \/workspace\/\.tools\b/.test(text) && /\bmv\s+\S+\s+node\b/.test(text);
      });
      if (!unpacked || !path.includes('/workspace/.tools/node/bin'))
        problems.push(`${where} has no ${who} on PATH from an earlier step`);
    } else if (tool === 'emulators') {
      // The SDK path local/emulators.ts expects, through the links the step makes.
      let platform = SDK_PLATFORM_DIR;
      for (const m of script.matchAll(/\bln\s+-s\w*\s+(\S+)\s+(\S+)/g)) {
        if (platform.startsWith(`${m[2]!}/`)) platform = m[1]! + platform.slice(m[2]!.length);
      }
      const bins = [
        `${platform}/cloud-firestore-emulator/cloud_firestore_emulator`,
        `${platform}/pubsub-emulator/bin/cloud-pubsub-emulator`,
      ];
      if (!bins.every((b) => EMULATORS_IMAGE.files.has(b)))
        problems.push(
          `${where}: ${SDK_PLATFORM_DIR} (local/emulators.ts) is not the image's SDK (${EMULATORS_IMAGE.sdkRoot}) for ${who}`,
        );
      if (!provides('java')) problems.push(`${where} has no java on PATH for ${who}`);
    } else if (!provides(tool)) {
      problems.push(`${where} has no ${who} on PATH`);
    }
  }
  return problems;
}

const cloudbuildText = readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8');
const cloudbuild = (text = cloudbuildText): Cloudbuild => parse(text) as Cloudbuild;

describe('Cloud Build runs every suite (cloudbuild.yaml)', () => {
  const needs = suiteNeeds();

  it('derives what the suites need from the test files', () => {
    const byTool = new Map(needs.map((n) => [n.tool, n.files]));
    expect(byTool.get('kubectl')).toContain('test/local/kube/kubectl.test.ts');
    expect(byTool.get('terraform')).toContain('test/deploy/coverage.test.ts');
    expect(byTool.get('gcloud')).toEqual(
      expect.arrayContaining([
        'test/local/gcp/gcloud.test.ts',
        'test/shared/steps/tutorial-gcloud-parity.test.ts',
      ]),
    );
    expect(byTool.get('emulators')?.length).toBeGreaterThan(0);
    expect(byTool.get('pgrep')).toEqual(['test/e2e/helpers.ts', 'test/support/emulators.test.ts']);
    expect(byTool.get('git')).toEqual(['test/docs/self-contained.test.ts']);
  });

  it('the test step provides every binary a suite needs, with CI=true', () => {
    expect(checkTestStep(cloudbuild(), needs)).toEqual([]);
  });

  it('fails when the test step does not install kubectl', () => {
    const text = cloudbuildText.replace(
      /install -m 0755 kubectl \/workspace\/\.tools\/bin\/kubectl/,
      'true',
    );
    expect(text).not.toBe(cloudbuildText);
    expect(checkTestStep(cloudbuild(text), needs)).toEqual([
      expect.stringMatching(
        /^step "test" has no kubectl \(needed by [^)]*test\/local\/kube\/kubectl\.test\.ts[^)]*\) on PATH$/,
      ),
    ]);
  });

  it('fails when terraform is installed without its checksum or its pinned version', () => {
    const unverified = cloudbuildText.replace(
      /grep " \$\$zip\$\$" "\$\$sums" \| sha256sum -c -/,
      'true',
    );
    expect(unverified).not.toBe(cloudbuildText);
    // kubectl's check still precedes the terraform install: drop it too.
    const neither = unverified.replace(
      /echo "\$\$\(cat kubectl\.sha256\) {2}kubectl" \| sha256sum -c -/,
      'true',
    );
    expect(checkTestStep(cloudbuild(neither), needs)).toEqual(
      expect.arrayContaining([
        'step "test" installs kubectl without verifying its checksum (sha256sum -c)',
        'step "test" installs terraform without verifying its checksum (sha256sum -c)',
      ]),
    );
    const unpinned = cloudbuildText.replace(/^ {2}_TERRAFORM_VERSION: .*\n/m, '');
    expect(checkTestStep(cloudbuild(unpinned), needs)).toEqual([
      'step "test" installs terraform without a version pinned as substitution _TERRAFORM_VERSION',
    ]);
  });

  it('fails without CI=true in the test step', () => {
    const text = cloudbuildText.replace(/\n {6}- CI=true/, '');
    expect(checkTestStep(cloudbuild(text), needs)).toEqual([
      'step "test" does not set CI=true: a suite missing its binary would skip',
    ]);
  });

  it("fails when the test step's PATH drops the image's gcloud", () => {
    const text = cloudbuildText.replace(
      /(- PATH=\/workspace\/\.tools\/bin:\/workspace\/\.tools\/node\/bin:)\/google-cloud-sdk\/bin:/,
      '$1',
    );
    expect(text).not.toBe(cloudbuildText);
    expect(checkTestStep(cloudbuild(text), needs)).toEqual([
      expect.stringMatching(/^step "test" has no gcloud \(needed by .*\) on PATH$/),
    ]);
  });

  it("fails when the SDK path the emulators harness expects is not the image's", () => {
    const text = cloudbuildText.replace(
      /.*ln -s \/google-cloud-sdk \/usr\/lib\/google-cloud-sdk\n/,
      '',
    );
    expect(text).not.toBe(cloudbuildText);
    expect(checkTestStep(cloudbuild(text), needs)).toEqual([
      expect.stringContaining(
        `step "test": ${SDK_PLATFORM_DIR} (local/emulators.ts) is not the image's SDK (/google-cloud-sdk)`,
      ),
    ]);
  });

  it('the deploy step keeps the image gcloud on PATH (egressctl deploy runs gcloud)', () => {
    const deploy = cloudbuild().steps?.find((s) => /egressctl\s+deploy/.test(scriptOf(s)));
    const path = deploy?.env?.find((e) => e.startsWith('PATH='))?.slice('PATH='.length) ?? '';
    expect(path.split(':')).toContain('/google-cloud-sdk/bin');
  });
});

describe('pgrep', () => {
  it('fails when the test step does not install procps', () => {
    const text = cloudbuildText.replace(/ procps git\n/, ' git\n');
    expect(text).not.toBe(cloudbuildText);
    expect(checkTestStep(cloudbuild(text), suiteNeeds())).toEqual([
      'step "test" has no pgrep (needed by test/e2e/helpers.ts, test/support/emulators.test.ts) on PATH',
    ]);
  });
});
