import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostProbe } from './host.js';
import { findOnPath } from './path-lookup.js';

/**
 * The oldest Java the emulators run on: the class files of the SDK's Firestore emulator are
 * Java 11's (major version 55). A newer emulator that needs more fails at start with
 * UnsupportedClassVersionError, which {@link explainJavaFailure} turns into the version needed.
 */
export const MIN_JAVA_MAJOR = 11;

/** A Java runtime found for the emulators. */
export interface JavaRuntime {
  /** The `java` binary. */
  path: string;
  /** How it was found. */
  source: 'JAVA_HOME' | 'PATH' | 'java_home' | 'Homebrew';
  /** JAVA_HOME for the emulators' launchers (the Pub/Sub one reads it, Firestore's reads JAVA). */
  home: string;
}

/** The outcome of {@link locateJava}: a runtime, or what is wrong. */
export type JavaSearch = { java: JavaRuntime } | { problem: string };

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** macOS's `/usr/libexec/java_home`: the newest JDK it knows; undefined without one. */
function macJavaHome(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('/usr/libexec/java_home', { timeout: 5_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

/**
 * The Java the emulators will run: JAVA_HOME's when set (the Pub/Sub launcher insists on it),
 * else the `java` on PATH; on macOS, whose `/usr/bin/java` is a stub that exists without any JDK,
 * the JDK `/usr/libexec/java_home` names, else Homebrew's openjdk (keg-only: not on PATH). A
 * runtime found is usable once {@link javaVersion} answers.
 */
export async function locateJava(host: HostProbe): Promise<JavaSearch> {
  const javaHome = host.env.JAVA_HOME;
  if (javaHome) {
    const path = join(javaHome, 'bin', 'java');
    if (host.executable(path)) return { java: { path, source: 'JAVA_HOME', home: javaHome } };
    return { problem: `JAVA_HOME is ${javaHome}, which has no bin/java` };
  }
  const onPath = findOnPath('java', host.env, host.executable);
  // macOS's /usr/bin/java is a stub that runs the JDK java_home knows, or fails without one.
  const macStub = host.platform === 'darwin' && (!onPath || onPath === '/usr/bin/java');
  if (onPath && !macStub) {
    // /usr/bin/java → /usr/lib/jvm/java-17-openjdk-amd64/bin/java: its home is two levels up.
    return { java: { path: onPath, source: 'PATH', home: dirname(dirname(realpath(onPath))) } };
  }
  if (macStub) {
    const home = await macJavaHome();
    if (home && host.executable(join(home, 'bin', 'java'))) {
      return { java: { path: join(home, 'bin', 'java'), source: 'java_home', home } };
    }
    // Homebrew's openjdk is keg-only: neither on PATH nor known to java_home.
    for (const prefix of ['/opt/homebrew', '/usr/local']) {
      const home = `${prefix}/opt/openjdk`;
      if (host.executable(join(home, 'bin', 'java'))) {
        return { java: { path: join(home, 'bin', 'java'), source: 'Homebrew', home } };
      }
    }
    return {
      problem:
        'no Java runtime: JAVA_HOME is unset, /usr/libexec/java_home knows no JDK and Homebrew has no openjdk',
    };
  }
  return { problem: 'no Java runtime: JAVA_HOME is unset and there is no java on PATH' };
}

/** The major version in `java -version`'s first line: `"17.0.15"` → 17, `"1.8.0_292"` → 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Runs `java -version`: its version string and major, or why it could not. */
export function javaVersion(
  java: string,
  env: NodeJS.ProcessEnv,
): Promise<{ version: string; major: number } | { problem: string }> {
  return new Promise((resolve) => {
    execFile(java, ['-version'], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const text = `${stderr}${stdout}`;
      const major = parseJavaMajor(text);
      const version = /version "([^"]+)"/.exec(text)?.[1];
      if (error || major === undefined || !version) {
        const said = text.trim().split('\n')[0] ?? '';
        resolve({ problem: `${java} -version failed${said ? `: ${said}` : ''}` });
        return;
      }
      resolve({ version, major });
    });
  });
}

/**
 * The variables that make both emulator launchers use `java`: Firestore's reads JAVA, Pub/Sub's
 * JAVA_HOME (kept when the user set it).
 */
export function javaEnvironment(java: JavaRuntime): Record<string, string> {
  return { JAVA: java.path, JAVA_HOME: java.home };
}

/**
 * The Java an emulator's class files need, from its log when the JVM refused them
 * ("UnsupportedClassVersionError ... class file version 65.0" → 21); undefined otherwise.
 */
export function javaNeededByLog(log: string): number | undefined {
  if (!log.includes('UnsupportedClassVersionError')) return undefined;
  const match = /class file version (\d+)(?:\.\d+)?/.exec(log);
  return match ? Number(match[1]) - 44 : undefined;
}
