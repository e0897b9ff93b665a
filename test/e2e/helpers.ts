import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh state directory under the OS temp dir (its path also tags our processes for pgrep). */
export function tempStateDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `egress-e2e-${prefix}-`));
}

/** Starts egressctl as node + tsx (never npx: a killed npx leaves its node child running). */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & {
  output: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/** Runs egressctl to its end. */
export function runCli(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/index.ts', ...args],
      { env: { ...process.env, METADATA_SERVER_DETECTION: 'none' }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Resolves when the output contains `text`; rejects when the process exits first. */
export function waitForOutput(
  child: ChildProcess & { output: () => string },
  text: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${child.output()}`)),
      timeoutMs,
    );
    const check = () => {
      if (child.output().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!child.output().includes(text)) {
        reject(new Error(`exited with ${code} before "${text}":\n${child.output()}`));
      }
    });
    check();
  });
}

/** The exit code once the process ended. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Processes whose command line contains `pattern` (pgrep -f), excluding pgrep itself. */
export function pgrep(pattern: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-af', '--', pattern], (_error, stdout) => {
      resolve(
        stdout
          .split('\n')
          .filter(Boolean)
          .filter((line) => !line.includes('pgrep')),
      );
    });
  });
}

/** Polls until `probe` returns a value, or fails naming `what`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
