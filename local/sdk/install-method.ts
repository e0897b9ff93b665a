import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { hostKind, type HostProbe } from './host.js';

/**
 * How a gcloud SDK was installed, which decides how its emulators are added:
 * - `apt`, `dnf`: Google's Debian or RPM packages (Cloud Shell's too); the component manager
 *   is disabled and each emulator is a package (`google-cloud-cli-firestore-emulator`, ...);
 * - `snap`: the snap, read-only and without emulators;
 * - `homebrew`: the `gcloud-cli` cask, a tarball SDK below Homebrew's prefix;
 * - `tarball`: the archive or `install.sh` (`~/google-cloud-sdk`, the google-cloud-cli Docker
 *   images), whose own component manager installs them (`gcloud components install`).
 */
export type InstallMethod = 'apt' | 'dnf' | 'snap' | 'homebrew' | 'tarball';

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The SDK's own `disable_updater` flag: set by the Linux packages, which own its files. */
function updaterDisabled(root: string): boolean {
  try {
    const config = JSON.parse(
      readFileSync(join(root, 'lib', 'googlecloudsdk', 'core', 'config.json'), 'utf8'),
    ) as { disable_updater?: unknown };
    return config.disable_updater === true;
  } catch {
    return false;
  }
}

const HOMEBREW_SHARE = /\/(homebrew|\.linuxbrew|local)\/share\/google-cloud-sdk\/?$/;

/** How the SDK at `root` was installed (see {@link InstallMethod}). */
export function detectInstallMethod(root: string, host: HostProbe): InstallMethod {
  const real = realpath(root);
  if ([root, real].some((p) => p.startsWith('/snap/'))) return 'snap';
  if (updaterDisabled(root)) {
    if (root.startsWith('/usr/lib64/') || hostKind(host) === 'rpm') return 'dnf';
    return 'apt';
  }
  if (real.includes('/Caskroom/') || HOMEBREW_SHARE.test(root)) return 'homebrew';
  return 'tarball';
}
