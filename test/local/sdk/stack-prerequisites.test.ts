/**
 * Acceptance (issue 21): the local stack started through egressctl, as a user starts it, with
 * the gcloud SDK found through CLOUDSDK_ROOT_DIR at a relocated path (a tree of links in a temp
 * folder) while this machine's SDK is invisible to the process (no gcloud on PATH, no known
 * places: EGRESS_SDK_SEARCH_PATH is empty); then with each prerequisite missing in turn, where
 * each run ends with a message naming the fix and exit 1, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  currentHost,
  installEmulatorsFix,
  installJavaFix,
  installSdkFix,
  locateSdk,
  SDK_SEARCH_PATH_VARIABLE,
} from '../../../local/sdk/index.js';
import { machineSdkRoot, pathWithout, relocatedSdk } from './machine.js';

// Two cores shared by many suites: the emulators' JVMs start slowly under contention.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const ROOT = join(import.meta.dirname, '..', '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'egress-sdk-stack-'));
const realSdk = await machineSdkRoot();

interface Run {
  code: number | null;
  output: string;
}

/**
 * egressctl (from the sources, as `npx egressctl` runs in a clone) with exactly `env`, until it
 * exits or `until` matches its output; then `whenMatched` runs and the process gets SIGINT.
 */
function egressctl(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  until?: RegExp,
  whenMatched?: (output: string) => void | Promise<void>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], {
      cwd: ROOT,
      env,
    });
    child.stdin.end();
    let output = '';
    let matched = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until && !matched && until.test(output)) {
        matched = true;
        Promise.resolve(whenMatched?.(output))
          .catch(reject)
          .finally(() => child.kill('SIGINT'));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const paths = new Map<string, string>();
/** A PATH without gcloud and the commands `hide` names (made once per set). */
function pathHiding(hide: readonly string[]): string {
  const key = hide.join(',');
  if (!paths.has(key)) {
    paths.set(key, pathWithout(mkdtempSync(join(temp, 'path-')), ['gcloud', ...hide]));
  }
  return paths.get(key)!;
}

/** The variables of a machine whose only SDK is the one CLOUDSDK_ROOT_DIR names (if any). */
function machineEnv(options: { sdkRoot?: string; hide?: string[] }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pathHiding(options.hide ?? []),
    [SDK_SEARCH_PATH_VARIABLE]: '',
    METADATA_SERVER_DETECTION: 'none',
  };
  delete env.CLOUDSDK_ROOT_DIR;
  delete env.JAVA_HOME;
  delete env.JAVA;
  if (options.sdkRoot) env.CLOUDSDK_ROOT_DIR = options.sdkRoot;
  return env;
}

/** What a user must never see: a stack trace, or an error class's name in front of a message. */
function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m);
  expect(output).not.toMatch(/^(\w*Error|Error):/m);
}

/** The command lines of the processes whose command line mentions `text` (Linux's /proc). */
function processesMentioning(text: string): string[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')];
      } catch {
        return [];
      }
    })
    .filter((line) => line.includes(text));
}

let stateDirs = 0;
const stateDir = () => join(temp, `state-${stateDirs++}`);

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!realSdk)('the local stack on a machine whose SDK is somewhere else', () => {
  let relocated: string;
  beforeAll(() => {
    relocated = relocatedSdk(realSdk!, mkdtempSync(join(temp, 'complete-')));
  });

  it('starts with the SDK CLOUDSDK_ROOT_DIR names, its emulators run from there', async () => {
    let emulatorProcesses: string[] = [];
    const run = await egressctl(
      ['local', 'up', '--state-dir', stateDir(), '--time-scale', '0'],
      machineEnv({ sdkRoot: relocated }),
      /^Ready\./m,
      () => {
        emulatorProcesses = processesMentioning(`${relocated}/platform/`);
      },
    );
    expect(run.output).toMatch(
      new RegExp(
        `^gcloud SDK [\\d.]+ at ${relocated} \\(found through CLOUDSDK_ROOT_DIR\\); Java `,
        'm',
      ),
    );
    expect(run.output).toMatch(/^firestore emulator listening on 127\.0\.0\.1:\d+$/m);
    expect(run.output).toMatch(/^pubsub emulator listening on 127\.0\.0\.1:\d+$/m);
    expect(run.output).toMatch(/^functions listening on /m);
    expect(run.output).toContain('local stack stopped');
    expect(run.code).toBe(0);
    if (existsSync('/proc/self/cmdline')) {
      // The Java processes themselves run the relocated tree's emulators.
      expect(emulatorProcesses.join('\n')).toContain(
        `${relocated}/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar`,
      );
      expect(emulatorProcesses.join('\n')).toContain(`${relocated}/platform/pubsub-emulator/`);
    }
  });

  it("does not find this machine's SDK without CLOUDSDK_ROOT_DIR: the install commands instead", async () => {
    const env = machineEnv({});
    const run = await egressctl(['local', 'up', '--state-dir', stateDir()], env);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'cannot start the local stack: 3 prerequisites fail (gcloud SDK, Firestore emulator, Pub/Sub emulator).',
    );
    expect(run.output).toContain('✗ gcloud SDK: not found (looked at gcloud on PATH: none)');
    const fix = installSdkFix(currentHost(env));
    expect(run.output).toContain(`    fix: ${fix[0]}`);
    expect(run.output).toContain(`         ${fix.at(-1)}`);
    expect(run.output).toContain(
      '         or, when it is installed somewhere else: export CLOUDSDK_ROOT_DIR=/path/to/google-cloud-sdk',
    );
    expectNoStackTrace(run.output);
  });

  it('what `npm start` runs (up --target local) prints the same guidance', async () => {
    const run = await egressctl(
      ['up', '-f', 'examples/tutorial', '--target', 'local', '--state-dir', stateDir()],
      machineEnv({}),
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain('✗ gcloud SDK: not found (looked at gcloud on PATH: none)');
    expect(run.output).toContain('Run `egressctl doctor` to check every prerequisite');
    expectNoStackTrace(run.output);
  });

  for (const [kind, title, component] of [
    ['firestore', 'Firestore emulator', 'cloud-firestore-emulator/cloud_firestore_emulator'],
    ['pubsub', 'Pub/Sub emulator', 'pubsub-emulator/bin/cloud-pubsub-emulator'],
  ] as const) {
    it(`names the command that installs the ${title} for this SDK's install method`, async () => {
      const root = relocatedSdk(realSdk!, mkdtempSync(join(temp, `no-${kind}-`)), [kind]);
      const env = machineEnv({ sdkRoot: root });
      const run = await egressctl(['local', 'up', '--state-dir', stateDir()], env);
      expect(run.code).toBe(1);
      const missing = `${root}/platform/${component}`;
      expect(run.output).toContain(`cannot start the local stack: ${missing} does not exist.`);
      const sdk = (await locateSdk({ host: currentHost(env) })).sdk!;
      const fix = installEmulatorsFix(sdk, [kind], currentHost(env));
      // apt's package for a Debian SDK, `gcloud components install` for a tarball's.
      expect(fix.join('\n')).toMatch(
        kind === 'firestore'
          ? /google-cloud-cli-firestore-emulator|components install cloud-firestore-emulator/
          : /google-cloud-cli-pubsub-emulator|components install pubsub-emulator/,
      );
      expect(run.output).toContain(`✗ ${title}: ${missing} does not exist\n    fix: ${fix[0]}`);
      expectNoStackTrace(run.output);

      const doctor = await egressctl(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.output).toContain(`✗ ${title}: ${missing} does not exist\n    fix: ${fix[0]}`);
    });
  }

  it('names the Java package when there is no Java', async () => {
    const env = machineEnv({ sdkRoot: relocated, hide: ['java'] });
    const run = await egressctl(['local', 'up', '--state-dir', stateDir()], env);
    expect(run.code).toBe(1);
    expect(run.output).toContain('cannot start the local stack: a prerequisite fails (Java).');
    expect(run.output).toContain(
      `✗ Java: no Java runtime: JAVA_HOME is unset and there is no java on PATH\n    fix: ${installJavaFix(currentHost(env))[0]}`,
    );
    expectNoStackTrace(run.output);
  });

  it('names a port already in use and the option to change', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await egressctl(
        ['local', 'up', '--state-dir', stateDir(), '--port', String(port)],
        machineEnv({ sdkRoot: relocated }),
      );
      expect(run.code).toBe(1);
      expect(run.output).toContain(
        'cannot start the local stack: a prerequisite fails (Ports on 127.0.0.1).',
      );
      expect(run.output).toContain(`✗ Ports on 127.0.0.1: in use: ${port} (--port)`);
      expect(run.output).toContain(`or choose another --port (0 picks a free one)`);
      expectNoStackTrace(run.output);
    } finally {
      server.close();
    }
  });

  it('egressctl doctor: exit 0 with the relocated SDK, exit 1 without any', async () => {
    const found = await egressctl(['doctor'], machineEnv({ sdkRoot: relocated }));
    expect(found.output).toMatch(
      new RegExp(
        `^✓ gcloud SDK: [\\d.]+ at ${relocated} \\(found through CLOUDSDK_ROOT_DIR; installed with \\w+\\)$`,
        'm',
      ),
    );
    expect(found.output).toContain('The local stack can start here');
    expect(found.code).toBe(0);
    const none = await egressctl(['doctor'], machineEnv({}));
    expect(none.output).toMatch(/^✗ gcloud SDK: not found/m);
    expect(none.output).toContain('The local stack cannot start here: fix the 3 ✗ lines above.');
    expect(none.code).toBe(1);
    expectNoStackTrace(none.output);
  });
});
