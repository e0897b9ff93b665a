import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';

/**
 * The kind of machine the local stack runs on, as far as installing its prerequisites goes: each
 * has its own install commands (README.md "Prerequisites").
 */
export type HostKind = 'macos' | 'debian' | 'rpm' | 'cloud-shell' | 'linux';

/** What the prerequisite checks read of the machine; tests pass their own. */
export interface HostProbe {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** Whether a path exists (following links). */
  exists(path: string): boolean;
  /** Whether a path is a file this process may execute (following links). */
  executable(path: string): boolean;
  /** The text of a file, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
  /** The files of a folder (full paths); none when it cannot be read. */
  listFiles(dir: string): string[];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The running process's machine. */
export function currentHost(env: NodeJS.ProcessEnv = process.env): HostProbe {
  return {
    env,
    platform: process.platform,
    home: env.HOME ?? homedir(),
    exists: existsSync,
    executable: isExecutableFile,
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    listFiles: (dir) => {
      try {
        return readdirSync(dir).map((name) => join(dir, name));
      } catch {
        return [];
      }
    },
  };
}

/**
 * macOS, Google Cloud Shell (a Debian machine whose installs last one session), a Debian or
 * Ubuntu machine (apt), a Fedora/RHEL machine (dnf), or another Linux.
 */
export function hostKind(host: HostProbe): HostKind {
  if (host.platform === 'darwin') return 'macos';
  // Cloud Shell sets CLOUD_SHELL=true in every session.
  if (host.env.CLOUD_SHELL === 'true') return 'cloud-shell';
  if (host.exists('/etc/debian_version')) return 'debian';
  if (host.exists('/etc/redhat-release') || host.exists('/etc/fedora-release')) return 'rpm';
  return 'linux';
}

/**
 * Whether Google's package repository (packages.cloud.google.com) is configured for apt or dnf
 * here, so that installing its packages needs no repository set-up first.
 */
export function googleRepositoryConfigured(host: HostProbe, manager: 'apt' | 'dnf'): boolean {
  const files =
    manager === 'apt'
      ? [
          '/etc/apt/sources.list',
          ...host.listFiles('/etc/apt/sources.list.d').filter((f) => /\.(list|sources)$/.test(f)),
        ]
      : host.listFiles('/etc/yum.repos.d').filter((f) => f.endsWith('.repo'));
  // Only the files apt and dnf read: a `.list.disabled` copy does not count.
  return files.some((file) => host.readText(file)?.includes('packages.cloud.google.com') === true);
}
