/**
 * Acceptance (issue 21): egressctl installs as a tool. The project is packed (`npm pack`, whose
 * prepack builds dist/ with the package's own scripts), the tarball installed into a temporary
 * prefix from the npm registry (`npm install --prefix`), and the installed egressctl runs the
 * compiled JavaScript with plain node: validate, doctor, and the local stack, whose functions
 * host runs compiled too. tsx, a development dependency, is not even installed.
 *
 * It packs a copy of the working tree, so the checkout's own dist/ is left alone.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Packing compiles the project (tsc) and installing fetches its dependencies: minutes on two
// busy cores.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 600_000 });

const ROOT = join(import.meta.dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'egress-pack-'));
const prefix = join(temp, 'prefix');
const installed = join(prefix, 'node_modules', 'egress-provisioner');
const egressctl = join(prefix, 'node_modules', '.bin', 'egressctl');
/** A folder of the user's own, holding only the tutorial's specs. */
const work = join(temp, 'work');

/** Folders that are not the project's sources (dependencies, builds, state). */
const NOT_SOURCES = new Set([
  'node_modules',
  'dist',
  '.local',
  'coverage',
  '.terraform',
  '.tools',
  '.git',
]);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command to its end (or until `until` matches its output: then `whenMatched`, then SIGINT). */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
  until?: RegExp,
  whenMatched?: (stdout: string) => Promise<void>,
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...options.env },
    });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    let matched = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until && !matched && until.test(stdout)) {
        matched = true;
        Promise.resolve(whenMatched?.(stdout))
          .catch(reject)
          .finally(() => child.kill('SIGINT'));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** npm as the running node ships it (its CLI script beside node), else the npm on PATH. */
function npm(args: readonly string[], cwd: string): Promise<Run> {
  const cli =
    [
      process.env.npm_execpath,
      join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    ].find((path) => path?.endsWith('.js') && existsSync(path)) ?? undefined;
  return cli ? run(process.execPath, [cli, ...args], { cwd }) : run('npm', args, { cwd });
}

/** Files below `dir`, relative to it. */
function filesBelow(dir: string, below = ''): string[] {
  return readdirSync(join(dir, below), { withFileTypes: true }).flatMap((entry) => {
    const path = join(below, entry.name);
    return entry.isDirectory() ? filesBelow(dir, path) : [path];
  });
}

let packedFiles: string[] = [];

beforeAll(async () => {
  const source = join(temp, 'source');
  cpSync(ROOT, source, {
    recursive: true,
    filter: (path) =>
      !relative(ROOT, path)
        .split('/')
        .some((part) => NOT_SOURCES.has(part)),
  });
  // The copy builds with the checkout's development dependencies (tsc, tsx, esbuild).
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  const packed = await npm(['pack', '--json', '--pack-destination', temp], source);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}\n${packed.stdout}`);
  // prepack's own output precedes npm's JSON report.
  const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('\n[') + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  packedFiles = report[0]!.files.map((f) => f.path).sort();
  mkdirSync(prefix, { recursive: true });
  const install = await npm(
    [
      'install',
      '--prefix',
      prefix,
      join(temp, report[0]!.filename),
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
    ],
    temp,
  );
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  mkdirSync(work, { recursive: true });
  cpSync(join(ROOT, 'examples', 'tutorial'), join(work, 'examples', 'tutorial'), {
    recursive: true,
  });
});

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the packed egressctl', () => {
  it('ships compiled JavaScript and its data, no TypeScript sources and no source maps', () => {
    expect(packedFiles).toContain('cli/egressctl.js');
    expect(packedFiles).toContain('dist/cli/index.js');
    expect(packedFiles).toContain('dist/package.json');
    expect(packedFiles).toContain('dist/workflows/provision-environment.yaml');
    expect(packedFiles).toContain('dist/local/kube/schemas/istio-crds.yaml');
    const unexpected = packedFiles.filter(
      (file) =>
        !['cli/egressctl.js', 'package.json', 'README.md'].includes(file) &&
        !file.startsWith('dist/'),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith('.ts') || file.endsWith('.js.map'))).toEqual(
      [],
    );
  });

  it('installs without tsx: a development dependency only', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.dependencies).not.toHaveProperty('tsx');
    expect(manifest.devDependencies).toHaveProperty('tsx');
    expect(existsSync(join(prefix, 'node_modules', 'tsx'))).toBe(false);
  });

  it('holds every file the compiled modules read beside themselves', () => {
    const dist = join(installed, 'dist');
    const references = filesBelow(dist)
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) => {
        const text = readFileSync(join(dist, file), 'utf8');
        // new URL('./schemas/istio-crds.yaml', import.meta.url), new URL(`./schemas/${file}`, ...)
        return [...text.matchAll(/new URL\(\s*[`'"](\.{1,2}\/[^`'"$]*)/g)].map((m) =>
          resolve(dist, dirname(file), m[1]!),
        );
      });
    expect(references.length).toBeGreaterThan(4);
    expect(
      references.filter((path) => !existsSync(path)).map((p) => relative(installed, p)),
    ).toEqual([]);
  });

  it('runs `egressctl validate -f examples/tutorial`', async () => {
    const validated = await run(egressctl, ['validate', '-f', 'examples/tutorial'], { cwd: work });
    expect(validated.stderr).toBe('');
    expect(validated.stdout).toContain('Environment "tutorial" valid');
    expect(validated.code).toBe(0);
  });

  it('runs `egressctl doctor`: this machine can start the local stack', async () => {
    const doctor = await run(egressctl, ['doctor'], { cwd: work });
    expect(doctor.stdout).toMatch(/^✓ gcloud SDK: /m);
    expect(doctor.stdout).toContain('The local stack can start here');
    expect(doctor.code).toBe(0);
  });

  it('starts the local stack, its functions compiled, and stops it on Ctrl-C', async () => {
    let answer: { status: number; body: unknown } | undefined;
    const up = await run(
      egressctl,
      ['local', 'up', '--state-dir', join(work, 'state'), '--time-scale', '0'],
      { cwd: work },
      /^Ready\./m,
      async (stdout) => {
        const api = /^api \(EGRESS_API_URL\) listening on (\S+)$/m.exec(stdout)?.[1];
        const res = await fetch(`${api}/v1/environments/no-such-environment`);
        answer = { status: res.status, body: await res.json() };
      },
    );
    expect(up.stderr).toBe('');
    expect(up.stdout).toMatch(/^functions listening on /m);
    expect(up.stdout).toMatch(/^workflows executions API listening on /m);
    expect(answer?.status).toBe(404);
    expect(answer?.body).toMatchObject({ kind: expect.any(String), reason: expect.any(String) });
    expect(up.stdout).toContain('local stack stopped');
    expect(up.code).toBe(0);
    // The functions host ran the compiled index with plain node: its log names no tsx error.
    const log = readFileSync(join(work, 'state', 'functions.log'), 'utf8');
    expect(log).toMatch(/functions host: .*api/);
  });
});
