import { delimiter, join } from 'node:path';
import type { HostProbe } from './host.js';

/**
 * Overrides the list of known SDK places (colon-separated roots; empty: none), for a machine
 * whose SDK lives somewhere else and for tests that must not see this machine's SDK.
 */
export const SDK_SEARCH_PATH_VARIABLE = 'EGRESS_SDK_SEARCH_PATH';

/** Where the SDK's installers put it, in the order they are tried. */
export function knownSdkRoots(host: HostProbe): string[] {
  const override = host.env[SDK_SEARCH_PATH_VARIABLE];
  if (override !== undefined) return override.split(delimiter).filter(Boolean);
  return [
    // Google's Debian/Ubuntu packages; Cloud Shell's SDK too.
    '/usr/lib/google-cloud-sdk',
    // Google's RPM packages (Fedora, RHEL).
    '/usr/lib64/google-cloud-sdk',
    // Homebrew's gcloud-cli cask: Apple silicon, Intel Macs, Linux.
    '/opt/homebrew/share/google-cloud-sdk',
    '/usr/local/share/google-cloud-sdk',
    '/home/linuxbrew/.linuxbrew/share/google-cloud-sdk',
    // The archive and install.sh, unpacked in the home folder as Google's guide does.
    join(host.home, 'google-cloud-sdk'),
    // Google's google-cloud-cli Docker images.
    '/google-cloud-sdk',
    // The snap (and its older name).
    '/snap/google-cloud-cli/current',
    '/snap/google-cloud-sdk/current',
  ];
}
