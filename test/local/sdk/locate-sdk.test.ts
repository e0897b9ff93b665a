import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  detectInstallMethod,
  knownSdkRoots,
  locateSdk,
  SDK_SEARCH_PATH_VARIABLE,
} from '../../../local/sdk/index.js';
import { fakeHost, fakeSdk, script, testFolders } from './fake-sdk.js';

const { root: temp, fresh } = testFolders('egress-sdk-locate-');
/** A PATH folder holding `gcloud` linked to an SDK's (as Debian's /usr/bin/gcloud is). */
const binLinkingTo = (sdkRoot: string) => {
  const bin = fresh('bin');
  symlinkSync(join(sdkRoot, 'bin', 'gcloud'), join(bin, 'gcloud'));
  return bin;
};
const noInfo = vi.fn(async () => undefined);

describe('locateSdk: where the gcloud SDK is', () => {
  it('takes CLOUDSDK_ROOT_DIR first, before the gcloud on PATH and the known places', async () => {
    const chosen = fakeSdk(fresh('chosen'));
    const other = fakeSdk(fresh('other'));
    const host = fakeHost({
      CLOUDSDK_ROOT_DIR: chosen,
      PATH: binLinkingTo(other),
      [SDK_SEARCH_PATH_VARIABLE]: other,
    });
    const { sdk } = await locateSdk({ host, gcloudInfo: noInfo });
    expect(sdk?.root).toBe(chosen);
    expect(sdk?.source).toBe('CLOUDSDK_ROOT_DIR');
    expect(sdk?.emulators.firestore).toEqual({
      path: join(chosen, 'platform/cloud-firestore-emulator/cloud_firestore_emulator'),
      present: true,
    });
    // The gcloud on PATH is another SDK's: a fix names this one's gcloud by its path.
    expect(sdk?.gcloudCommand).toBe(join(chosen, 'bin', 'gcloud'));
  });

  it('takes the caller’s sdkRoot before CLOUDSDK_ROOT_DIR', async () => {
    const option = fakeSdk(fresh('option'));
    const host = fakeHost({ CLOUDSDK_ROOT_DIR: fakeSdk(fresh('env')), PATH: '' });
    const { sdk } = await locateSdk({ sdkRoot: option, host, gcloudInfo: noInfo });
    expect(sdk?.root).toBe(option);
    expect(sdk?.source).toBe('option');
  });

  it('does not look elsewhere when CLOUDSDK_ROOT_DIR holds no SDK, and says why', async () => {
    const empty = fresh('not-an-sdk');
    const host = fakeHost({
      CLOUDSDK_ROOT_DIR: empty,
      PATH: binLinkingTo(fakeSdk(fresh('on-path'))),
    });
    const search = await locateSdk({ host, gcloudInfo: noInfo });
    expect(search.sdk).toBeUndefined();
    expect(search.explicitProblem).toBe(
      `CLOUDSDK_ROOT_DIR ${empty} holds no gcloud SDK (no bin/gcloud, lib/googlecloudsdk or platform/)`,
    );
  });

  it('follows the gcloud on PATH to its SDK (a link into <root>/bin), without running it', async () => {
    const root = fakeSdk(fresh('sdk'), { version: '528.0.0' });
    const gcloudInfo = vi.fn(async () => undefined);
    const host = fakeHost({ PATH: binLinkingTo(root), [SDK_SEARCH_PATH_VARIABLE]: '' });
    const { sdk } = await locateSdk({ host, gcloudInfo });
    expect(sdk).toMatchObject({
      root,
      source: 'gcloud on PATH',
      version: '528.0.0',
      gcloudCommand: 'gcloud',
    });
    expect(gcloudInfo).not.toHaveBeenCalled();
  });

  it("asks `gcloud info` for the root when PATH's gcloud is a wrapper outside the SDK (snap)", async () => {
    const root = fakeSdk(fresh('snap-like'));
    const wrapper = script(join(fresh('snap-bin'), 'gcloud'));
    const gcloudInfo = vi.fn(async () => root);
    const host = fakeHost({ PATH: join(wrapper, '..'), [SDK_SEARCH_PATH_VARIABLE]: '' });
    const { sdk } = await locateSdk({ host, gcloudInfo });
    expect(gcloudInfo).toHaveBeenCalledWith(wrapper, host.env);
    expect(sdk).toMatchObject({ root, source: 'gcloud info' });
  });

  it('runs the real `gcloud info` by default', async () => {
    const root = fakeSdk(fresh('info'));
    const bin = fresh('wrapper-bin');
    script(join(bin, 'gcloud'), `echo "${root}"`);
    const host = fakeHost({ PATH: bin, [SDK_SEARCH_PATH_VARIABLE]: '' });
    expect((await locateSdk({ host })).sdk?.root).toBe(root);
  });

  it('then tries the known places, preferring the first SDK that has both emulators', async () => {
    const incomplete = fakeSdk(fresh('incomplete'), { emulators: ['pubsub'] });
    const missing = join(temp, 'nothing-here');
    const complete = fakeSdk(fresh('complete'));
    const host = fakeHost({
      PATH: '',
      [SDK_SEARCH_PATH_VARIABLE]: [missing, incomplete, complete].join(':'),
    });
    const { sdk, looked } = await locateSdk({ host, gcloudInfo: noInfo });
    expect(sdk).toMatchObject({ root: complete, source: SDK_SEARCH_PATH_VARIABLE });
    expect(looked).toEqual(['gcloud on PATH: none', missing, incomplete, complete]);
  });

  it('else reports the first SDK found, so that the fix names its install method', async () => {
    const first = fakeSdk(fresh('first'), { emulators: [] });
    const second = fakeSdk(fresh('second'), { emulators: ['firestore'] });
    const host = fakeHost({ PATH: '', [SDK_SEARCH_PATH_VARIABLE]: `${first}:${second}` });
    const { sdk } = await locateSdk({ host, gcloudInfo: noInfo });
    expect(sdk?.root).toBe(first);
    expect(sdk?.emulators.firestore.present).toBe(false);
  });

  it('lists every place looked at when there is no SDK', async () => {
    const host = fakeHost({ PATH: '', [SDK_SEARCH_PATH_VARIABLE]: '/nowhere/a:/nowhere/b' });
    expect(await locateSdk({ host, gcloudInfo: noInfo })).toEqual({
      looked: ['gcloud on PATH: none', '/nowhere/a', '/nowhere/b'],
    });
  });

  it("knows the installers' places: Debian, RPM, Homebrew, the home folder, Docker, snap", () => {
    const roots = knownSdkRoots(fakeHost({ HOME: '/home/dev' }, {}));
    expect(roots).toEqual([
      '/usr/lib/google-cloud-sdk',
      '/usr/lib64/google-cloud-sdk',
      '/opt/homebrew/share/google-cloud-sdk',
      '/usr/local/share/google-cloud-sdk',
      '/home/linuxbrew/.linuxbrew/share/google-cloud-sdk',
      '/home/dev/google-cloud-sdk',
      '/google-cloud-sdk',
      '/snap/google-cloud-cli/current',
      '/snap/google-cloud-sdk/current',
    ]);
    expect(knownSdkRoots(fakeHost({ [SDK_SEARCH_PATH_VARIABLE]: '' }))).toEqual([]);
  });
});

describe('detectInstallMethod: how the SDK was installed', () => {
  const debian = { '/etc/debian_version': '12.8', '/etc/redhat-release': undefined };
  const fedora = { '/etc/debian_version': undefined, '/etc/redhat-release': 'Fedora' };

  it('a packaged SDK (disable_updater) is apt on Debian and Ubuntu, dnf on Fedora and RHEL', () => {
    const root = fakeSdk(fresh('packaged'), { packaged: true });
    expect(detectInstallMethod(root, fakeHost({}, { files: debian }))).toBe('apt');
    expect(detectInstallMethod(root, fakeHost({}, { files: fedora }))).toBe('dnf');
  });

  it('an SDK with its own component manager is a tarball, or Homebrew’s below its prefix', () => {
    const host = fakeHost({}, { files: debian });
    expect(detectInstallMethod(fakeSdk(fresh('tarball')), host)).toBe('tarball');
    const share = join(fresh('brew'), 'homebrew', 'share');
    mkdirSync(share, { recursive: true });
    const cask = fakeSdk(
      join(fresh('prefix'), 'Caskroom', 'gcloud-cli', 'latest', 'google-cloud-sdk'),
    );
    expect(detectInstallMethod(cask, host)).toBe('homebrew');
    symlinkSync(cask, join(share, 'google-cloud-sdk'));
    expect(detectInstallMethod(join(share, 'google-cloud-sdk'), host)).toBe('homebrew');
  });

  it('the snap, by its path', () => {
    expect(detectInstallMethod('/snap/google-cloud-cli/current', fakeHost({}))).toBe('snap');
  });
});
