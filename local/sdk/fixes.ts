import { accessSync, constants } from 'node:fs';
import { EMULATOR_COMPONENTS, EMULATOR_KINDS, type EmulatorKind } from './components.js';
import { googleRepositoryConfigured, hostKind, type HostProbe } from './host.js';
import type { GcloudSdk } from './locate-sdk.js';

/**
 * The exact commands that install each prerequisite, for the way this machine and its SDK
 * were set up (README.md "Prerequisites" has the same per platform).
 */

const ALL_PACKAGES = EMULATOR_KINDS.map((k) => EMULATOR_COMPONENTS[k].packageName).join(' ');
const ALL_COMPONENTS = EMULATOR_KINDS.map((k) => EMULATOR_COMPONENTS[k].componentId).join(' ');

/** Google's apt repository, as its install guide adds it (once per machine). */
export const GOOGLE_APT_REPOSITORY = [
  'sudo apt-get update && sudo apt-get install apt-transport-https ca-certificates gnupg curl',
  'curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg | sudo gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg',
  'echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" | sudo tee /etc/apt/sources.list.d/google-cloud-sdk.list',
  'sudo apt-get update',
];

/** Google's RPM repository for dnf (x86_64; the guide has the other architectures). */
export const GOOGLE_DNF_REPOSITORY = [
  "sudo tee /etc/yum.repos.d/google-cloud-sdk.repo <<'EOM'\n[google-cloud-cli]\nname=Google Cloud CLI\nbaseurl=https://packages.cloud.google.com/yum/repos/cloud-sdk-el9-x86_64\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=0\ngpgkey=https://packages.cloud.google.com/yum/doc/rpm-package-key.gpg\nEOM",
];

const CLOUD_SHELL_NOTE =
  ' (Cloud Shell keeps only your home folder between sessions: run it again in a new session)';

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Google's repository set-up, when this machine's apt or dnf does not have it yet. */
function repositorySetup(host: HostProbe, manager: 'apt' | 'dnf'): string[] {
  if (googleRepositoryConfigured(host, manager)) return [];
  return manager === 'apt' ? GOOGLE_APT_REPOSITORY : GOOGLE_DNF_REPOSITORY;
}

/** The commands that install a gcloud SDK with its emulators on this machine. */
export function installSdkFix(host: HostProbe): string[] {
  switch (hostKind(host)) {
    case 'macos':
      return ['brew install --cask gcloud-cli', `gcloud components install ${ALL_COMPONENTS}`];
    case 'debian':
    case 'cloud-shell':
      return [
        ...repositorySetup(host, 'apt'),
        `sudo apt-get install google-cloud-cli ${ALL_PACKAGES}`,
      ];
    case 'rpm':
      return [...repositorySetup(host, 'dnf'), `sudo dnf install google-cloud-cli ${ALL_PACKAGES}`];
    case 'linux':
      return [
        'curl -fsSL https://sdk.cloud.google.com | bash -s -- --disable-prompts',
        `~/google-cloud-sdk/bin/gcloud components install ${ALL_COMPONENTS}`,
      ];
  }
}

/** The command that adds missing emulators to the SDK found, the way it was installed. */
export function installEmulatorsFix(
  sdk: GcloudSdk,
  kinds: readonly EmulatorKind[],
  host: HostProbe,
): string[] {
  const packages = kinds.map((k) => EMULATOR_COMPONENTS[k].packageName).join(' ');
  switch (sdk.method) {
    case 'apt':
      return [
        ...repositorySetup(host, 'apt'),
        `sudo apt-get install ${packages}${hostKind(host) === 'cloud-shell' ? CLOUD_SHELL_NOTE : ''}`,
      ];
    case 'dnf':
      return [...repositorySetup(host, 'dnf'), `sudo dnf install ${packages}`];
    case 'snap':
      // The snap holds no emulators and cannot add components: the Debian packages can.
      return [
        ...repositorySetup(host, 'apt'),
        `sudo apt-get install google-cloud-cli ${ALL_PACKAGES}`,
        'sudo snap remove google-cloud-cli',
      ];
    case 'homebrew':
    case 'tarball': {
      const components = kinds.map((k) => EMULATOR_COMPONENTS[k].componentId).join(' ');
      const sudo = writable(sdk.root) ? '' : 'sudo ';
      return [`${sudo}${sdk.gcloudCommand} components install ${components}`];
    }
  }
}

/** The command that installs a Java runtime the emulators accept. */
export function installJavaFix(host: HostProbe): string[] {
  switch (hostKind(host)) {
    case 'macos':
      return ['brew install --cask temurin'];
    case 'debian':
    case 'cloud-shell':
      return ['sudo apt-get install default-jre-headless'];
    case 'rpm':
      return ['sudo dnf install java-21-openjdk-headless'];
    case 'linux':
      return [
        "install a Java 11+ runtime with your distribution's package manager, then put its java on PATH or set JAVA_HOME",
      ];
  }
}

/** The command that installs a Node.js the project supports. */
export function installNodeFix(execPath: string, host: HostProbe): string[] {
  if (host.env.NVM_DIR || execPath.includes('/.nvm/')) return ['nvm install 22 && nvm use 22'];
  if (/\/(homebrew|Cellar|\.linuxbrew)\//.test(execPath)) return ['brew upgrade node'];
  return ['install Node.js 22 LTS, e.g. with nvm (https://github.com/nvm-sh/nvm): nvm install 22'];
}

/** The command that installs kubectl (optional: the tour's own kubectl). */
export function installKubectlFix(sdk: GcloudSdk | undefined, host: HostProbe): string[] {
  switch (sdk?.method) {
    case 'apt':
      return ['sudo apt-get install kubectl'];
    case 'dnf':
      return ['sudo dnf install kubectl'];
    case 'homebrew':
    case 'tarball':
      return [`${sdk.gcloudCommand} components install kubectl`];
    default:
      return hostKind(host) === 'macos'
        ? ['brew install kubectl']
        : ['sudo snap install kubectl --classic'];
  }
}

/** The command that installs terraform (optional: deploying the service, infra/). */
export function installTerraformFix(host: HostProbe): string[] {
  switch (hostKind(host)) {
    case 'macos':
      return ['brew tap hashicorp/tap && brew install hashicorp/tap/terraform'];
    case 'debian':
    case 'cloud-shell':
      return [
        'wget -O- https://apt.releases.hashicorp.com/gpg | sudo gpg --dearmor -o /usr/share/keyrings/hashicorp-archive-keyring.gpg',
        'echo "deb [signed-by=/usr/share/keyrings/hashicorp-archive-keyring.gpg] https://apt.releases.hashicorp.com $(lsb_release -cs) main" | sudo tee /etc/apt/sources.list.d/hashicorp.list',
        'sudo apt-get update && sudo apt-get install terraform',
      ];
    case 'rpm':
      return [
        "sudo dnf install terraform, after adding HashiCorp's repository (https://developer.hashicorp.com/terraform/install)",
      ];
    case 'linux':
      return ['download terraform from https://developer.hashicorp.com/terraform/install'];
  }
}
