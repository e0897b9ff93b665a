import { readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkPrerequisites,
  formatReport,
  formatStartFailure,
  installEmulatorsFix,
  installSdkFix,
  javaNeededByLog,
  MIN_NODE_VERSION,
  parseJavaMajor,
  SDK_SEARCH_PATH_VARIABLE,
  type PrerequisiteReport,
} from '../../../local/sdk/index.js';
import { fakeHost, fakeSdk, script, testFolders } from './fake-sdk.js';

const { root: temp, fresh } = testFolders('egress-sdk-prereq-');
const debian = {
  '/etc/debian_version': '12.8',
  '/etc/redhat-release': undefined,
  '/etc/fedora-release': undefined,
  '/etc/apt/sources.list': '',
};
/** Google's apt repository configured, as Cloud Shell and a machine that followed the guide have. */
const googleApt = {
  ...debian,
  '/etc/apt/sources.list.d/google-cloud-sdk.list':
    'deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main',
};
/** A `java` answering `-version` like OpenJDK `version`, in a folder of its own. */
const javaBin = (version: string) => {
  const bin = fresh('java-bin');
  script(join(bin, 'java'), `echo 'openjdk version "${version}" 2025-04-15' >&2`);
  return bin;
};
const node = { version: 'v22.12.0', execPath: '/usr/bin/node' };
const check = (report: PrerequisiteReport, id: string) => report.checks.find((c) => c.id === id);

describe('checkPrerequisites', () => {
  it('passes with an SDK, both emulators and Java 17, and says where each is', async () => {
    const root = fakeSdk(fresh('sdk'), { packaged: true, version: '528.0.0' });
    const host = fakeHost({ CLOUDSDK_ROOT_DIR: root, PATH: javaBin('17.0.15') }, { files: debian });
    const report = await checkPrerequisites({ host, node });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.id}`)).toEqual([
      '✓ node',
      '✓ gcloud-sdk',
      '✓ firestore-emulator',
      '✓ pubsub-emulator',
      '✓ java',
      '✓ ports',
    ]);
    expect(check(report, 'gcloud-sdk')?.detail).toBe(
      `528.0.0 at ${root} (found through CLOUDSDK_ROOT_DIR; installed with apt)`,
    );
    expect(check(report, 'java')?.detail).toMatch(/^17\.0\.15 at .*\/java \(needs 11\+\)$/);
    expect(report.java).toMatchObject({ version: '17.0.15', source: 'PATH' });
  });

  it('needs neither the SDK nor Java for a stack without the emulators', async () => {
    const host = fakeHost({ PATH: '', [SDK_SEARCH_PATH_VARIABLE]: '' });
    const report = await checkPrerequisites({ host, node, emulators: [] });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(['node', 'ports']);
  });

  it('names the Debian packages of missing emulators for an SDK from apt', async () => {
    const root = fakeSdk(fresh('apt'), { packaged: true, emulators: ['pubsub'] });
    const host = fakeHost(
      { CLOUDSDK_ROOT_DIR: root, PATH: javaBin('17.0.1') },
      { files: googleApt },
    );
    const report = await checkPrerequisites({ host, node });
    expect(report.ok).toBe(false);
    expect(check(report, 'firestore-emulator')).toMatchObject({
      ok: false,
      missingPath: join(root, 'platform/cloud-firestore-emulator/cloud_firestore_emulator'),
      fix: ['sudo apt-get install google-cloud-cli-firestore-emulator'],
    });
    expect(check(report, 'pubsub-emulator')?.ok).toBe(true);
    // Where apt no longer lists Google's repository, its set-up comes first.
    const unlisted = fakeHost({}, { files: debian });
    const fix = installEmulatorsFix(report.sdk!, ['firestore'], unlisted);
    expect(fix[0]).toBe(
      'sudo apt-get update && sudo apt-get install apt-transport-https ca-certificates gnupg curl',
    );
    expect(fix.at(-1)).toBe('sudo apt-get install google-cloud-cli-firestore-emulator');
  });

  it('names `gcloud components install` for a tarball SDK, with the SDK’s own gcloud', async () => {
    const root = fakeSdk(fresh('tarball'), { emulators: [] });
    const host = fakeHost({ CLOUDSDK_ROOT_DIR: root, PATH: javaBin('21.0.2') }, { files: debian });
    const report = await checkPrerequisites({ host, node });
    expect(check(report, 'firestore-emulator')?.fix).toEqual([
      `${root}/bin/gcloud components install cloud-firestore-emulator`,
    ]);
    expect(check(report, 'pubsub-emulator')?.fix).toEqual([
      `${root}/bin/gcloud components install pubsub-emulator`,
    ]);
    // Both ✗ in the start failure, the paths first.
    expect(formatStartFailure(report).split('\n')).toEqual([
      `cannot start the local stack: ${root}/platform/cloud-firestore-emulator/cloud_firestore_emulator, ${root}/platform/pubsub-emulator/bin/cloud-pubsub-emulator do not exist.`,
      `✗ Firestore emulator: ${root}/platform/cloud-firestore-emulator/cloud_firestore_emulator does not exist`,
      `    fix: ${root}/bin/gcloud components install cloud-firestore-emulator`,
      `✗ Pub/Sub emulator: ${root}/platform/pubsub-emulator/bin/cloud-pubsub-emulator does not exist`,
      `    fix: ${root}/bin/gcloud components install pubsub-emulator`,
      'Run `egressctl doctor` to check every prerequisite; without the emulators: --only gcp,kube.',
    ]);
  });

  it('says `gcloud` when the gcloud on PATH is that SDK’s, and sudo when its folder is not ours', async () => {
    const root = fakeSdk(fresh('on-path'), { emulators: [] });
    const bin = javaBin('17.0.2');
    symlinkSync(join(root, 'bin', 'gcloud'), join(bin, 'gcloud'));
    const host = fakeHost({ PATH: bin, [SDK_SEARCH_PATH_VARIABLE]: '' }, { files: debian });
    const report = await checkPrerequisites({ host, node, emulators: ['pubsub'] });
    expect(check(report, 'pubsub-emulator')?.fix).toEqual([
      'gcloud components install pubsub-emulator',
    ]);
    // A folder this process may not write (here: one that does not exist), as /google-cloud-sdk in
    // a Docker image run as a user.
    const sdk = { ...report.sdk!, root: join(temp, 'not-writable') };
    expect(installEmulatorsFix(sdk, ['pubsub'], host)).toEqual([
      'sudo gcloud components install pubsub-emulator',
    ]);
  });

  it('installs the emulators with apt again on Cloud Shell, and says the install lasts a session', async () => {
    const root = fakeSdk(fresh('cloud-shell'), { packaged: true, emulators: ['pubsub'] });
    const host = fakeHost(
      { CLOUD_SHELL: 'true', CLOUDSDK_ROOT_DIR: root, PATH: '' },
      { files: googleApt },
    );
    const report = await checkPrerequisites({ host, node, emulators: ['firestore'] });
    expect(report.host).toBe('cloud-shell');
    expect(check(report, 'firestore-emulator')?.fix).toEqual([
      'sudo apt-get install google-cloud-cli-firestore-emulator (Cloud Shell keeps only your home folder between sessions: run it again in a new session)',
    ]);
  });

  it('replaces a snap SDK (no emulators, read-only) with the Debian packages', async () => {
    const report = await checkPrerequisites({
      host: fakeHost({ CLOUDSDK_ROOT_DIR: '/snap/google-cloud-cli/current', PATH: '' }),
      node,
    });
    // Not a tree here, so: no SDK at the chosen place.
    expect(check(report, 'gcloud-sdk')?.fix).toEqual([
      'export CLOUDSDK_ROOT_DIR=/path/to/google-cloud-sdk (the folder holding bin/gcloud), or unset it',
    ]);
    const snap = {
      root: '/snap/google-cloud-cli/current',
      platformDir: '/snap/google-cloud-cli/current/platform',
      source: 'gcloud on PATH' as const,
      method: 'snap' as const,
      gcloudCommand: 'gcloud',
      emulators: {
        firestore: { path: '/x', present: false },
        pubsub: { path: '/y', present: false },
      },
    };
    expect(installEmulatorsFix(snap, ['firestore'], fakeHost({}, { files: googleApt }))).toEqual([
      'sudo apt-get install google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator',
      'sudo snap remove google-cloud-cli',
    ]);
  });

  it('without any SDK: the install commands of this kind of machine, repository set-up included when missing', async () => {
    const env = { PATH: '', [SDK_SEARCH_PATH_VARIABLE]: '/nowhere' };
    const report = await checkPrerequisites({ host: fakeHost(env, { files: debian }), node });
    expect(check(report, 'gcloud-sdk')).toMatchObject({
      ok: false,
      detail: 'not found (looked at gcloud on PATH: none, /nowhere)',
    });
    const fix = check(report, 'gcloud-sdk')?.fix ?? [];
    expect(fix[0]).toBe(
      'sudo apt-get update && sudo apt-get install apt-transport-https ca-certificates gnupg curl',
    );
    expect(fix.slice(-2)).toEqual([
      'sudo apt-get install google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator',
      'or, when it is installed somewhere else: export CLOUDSDK_ROOT_DIR=/path/to/google-cloud-sdk',
    ]);
    expect(check(report, 'firestore-emulator')).toMatchObject({
      ok: false,
      detail: 'needs the gcloud SDK (above)',
    });
    // A machine with Google's repository installs the packages at once.
    expect(installSdkFix(fakeHost(env, { files: googleApt }))).toEqual([
      'sudo apt-get install google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator',
    ]);
    expect(installSdkFix(fakeHost(env, { platform: 'darwin' }))).toEqual([
      'brew install --cask gcloud-cli',
      'gcloud components install cloud-firestore-emulator pubsub-emulator',
    ]);
    const fedora = { ...debian, '/etc/debian_version': undefined, '/etc/redhat-release': 'x' };
    expect(installSdkFix(fakeHost(env, { files: fedora })).at(-1)).toBe(
      'sudo dnf install google-cloud-cli google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator',
    );
    const other = { ...debian, '/etc/debian_version': undefined };
    expect(installSdkFix(fakeHost(env, { files: other }))).toEqual([
      'curl -fsSL https://sdk.cloud.google.com | bash -s -- --disable-prompts',
      '~/google-cloud-sdk/bin/gcloud components install cloud-firestore-emulator pubsub-emulator',
    ]);
  });

  it('without Java: the runtime package of this machine', async () => {
    const root = fakeSdk(fresh('no-java'), { packaged: true });
    const report = await checkPrerequisites({
      host: fakeHost({ CLOUDSDK_ROOT_DIR: root, PATH: fresh('empty-bin') }, { files: debian }),
      node,
    });
    expect(check(report, 'java')).toMatchObject({
      ok: false,
      detail: 'no Java runtime: JAVA_HOME is unset and there is no java on PATH',
      fix: ['sudo apt-get install default-jre-headless'],
    });
    expect(formatStartFailure(report).split('\n')[0]).toBe(
      'cannot start the local stack: a prerequisite fails (Java).',
    );
    const mac = await checkPrerequisites({
      host: fakeHost(
        { CLOUDSDK_ROOT_DIR: root, PATH: fresh('empty-bin'), JAVA_HOME: '/nowhere/jdk' },
        { platform: 'darwin' },
      ),
      node,
    });
    expect(check(mac, 'java')).toMatchObject({
      detail: 'JAVA_HOME is /nowhere/jdk, which has no bin/java',
      fix: ['brew install --cask temurin'],
    });
  });

  it('refuses a Java older than the emulators’ class files', async () => {
    const root = fakeSdk(fresh('old-java'), { packaged: true });
    const bin = javaBin('1.8.0_292');
    const report = await checkPrerequisites({
      host: fakeHost({ CLOUDSDK_ROOT_DIR: root, PATH: bin }, { files: debian }),
      node,
    });
    expect(check(report, 'java')).toMatchObject({
      ok: false,
      detail: `1.8.0_292 at ${bin}/java (needs 11+): too old`,
      fix: [
        'sudo apt-get install default-jre-headless',
        'then point JAVA_HOME at the new runtime (or put its bin/ first on PATH)',
      ],
    });
  });

  it('holds Node.js to the package’s engines', () => {
    const manifest = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(manifest.engines.node).toBe(`>=${MIN_NODE_VERSION.replace(/\.0$/, '')}`);
  });

  it('refuses a Node.js older than 20.19 and names the nvm command when nvm installed it', async () => {
    const report = await checkPrerequisites({
      host: fakeHost({ PATH: '' }),
      node: { version: 'v20.18.3', execPath: '/home/dev/.nvm/versions/node/v20.18.3/bin/node' },
      emulators: [],
    });
    expect(report.ok).toBe(false);
    expect(check(report, 'node')).toMatchObject({
      detail: '20.18.3 at /home/dev/.nvm/versions/node/v20.18.3/bin/node (needs 20.19+)',
      fix: ['nvm install 22 && nvm use 22'],
    });
  });

  it('names a port in use, the option that asked for it, and how to see who holds it', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const report = await checkPrerequisites({
        host: fakeHost({ PATH: '' }, { platform: 'linux' }),
        node,
        emulators: [],
        ports: [{ port, option: '--port' }],
      });
      expect(check(report, 'ports')).toMatchObject({
        ok: false,
        detail: `in use: ${port} (--port)`,
        fix: [
          `stop what listens on ${port} (ss -ltnp 'sport = :${port}'), or choose another --port (0 picks a free one)`,
        ],
      });
    } finally {
      server.close();
    }
  });

  it('prints the optional tools without failing the report', async () => {
    const root = fakeSdk(fresh('optional'), { packaged: true });
    const host = fakeHost({ CLOUDSDK_ROOT_DIR: root, PATH: javaBin('17.0.9') }, { files: debian });
    const report = await checkPrerequisites({ host, node, optionalTools: true });
    expect(report.ok).toBe(true);
    expect(check(report, 'kubectl')).toMatchObject({
      ok: false,
      required: false,
      fix: ['sudo apt-get install kubectl'],
    });
    expect(formatReport(report)).toContain('✗ terraform: not on PATH (optional: ');
    expect(formatReport(report).split('\n').at(-1)).toBe(
      'The local stack can start here: npm start (or egressctl local up).',
    );
  });
});

describe('Java versions', () => {
  it('reads the major version of old and new version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });

  it('reads the Java an emulator needs from its UnsupportedClassVersionError', () => {
    const log =
      'Error: LinkageError occurred while loading main class Main\n\tjava.lang.UnsupportedClassVersionError: ' +
      'Main has been compiled by a more recent version of the Java Runtime (class file version 65.0), ' +
      'this version of the Java Runtime only recognizes class file versions up to 55.0';
    expect(javaNeededByLog(log)).toBe(21);
    expect(javaNeededByLog('ready')).toBeUndefined();
  });
});
