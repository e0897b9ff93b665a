import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopProcessGroup } from '../emulators.js';

/**
 * Whether this module runs compiled (dist/, as the installed egressctl does) or from the
 * TypeScript sources under tsx (a clone, the tests): the functions host runs the same way.
 */
const COMPILED = import.meta.url.endsWith('.js');
/** The repository, or dist/ when compiled: the functions host's cwd, where `source` resolves. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST_ENTRY = fileURLToPath(
  new URL(COMPILED ? './functions-host.js' : './functions-host.ts', import.meta.url),
);
const DEFAULT_SOURCE = COMPILED ? 'functions/index.js' : 'functions/index.ts';

/** A running functions host process. */
export interface FunctionsProcess {
  /** `http://127.0.0.1:PORT`; function NAME is at `${url}/NAME`. */
  url: string;
  /** Process group id (= pid: the host leads its own group). */
  pgid: number;
  /** The functions served. */
  functions: string[];
  /** SIGTERM to the group, SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startFunctionsProcess}. */
export interface FunctionsProcessOptions {
  port: number;
  /** Variables of the functions (functions/context.ts reads them). */
  env: Record<string, string>;
  /** Where stdout and stderr of the functions go (appended). */
  logFile: string;
  /**
   * The module with HTTP_FUNCTIONS / CLOUD_EVENT_FUNCTIONS, relative to the repository (or to
   * dist/ when compiled). Default functions/index.ts (functions/index.js).
   */
  source?: string;
  readyTimeoutMs?: number;
  /** Put on the command line (`--stack=TAG`) so `pgrep -f` finds the stack's processes. */
  tag?: string;
  /** Serve only these functions (one account's); every function of `source` when absent. */
  only?: readonly string[];
}

// One group-stop for every process the stack starts (the emulators' own); re-exported for the CLI.
export { stopProcessGroup };

/**
 * Starts the functions host (local/stack/functions-host.ts) with node directly — never through
 * npx, whose death would leave node running — in its own process group, and waits until it
 * answers `GET /`. From the sources it runs under tsx; compiled, as plain JavaScript (tsx is a
 * development dependency only).
 */
export async function startFunctionsProcess(
  options: FunctionsProcessOptions,
): Promise<FunctionsProcess> {
  const out = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    // `--import tsx` resolves from cwd, the repository, whose node_modules holds tsx.
    [
      ...(COMPILED ? [] : ['--import', 'tsx']),
      HOST_ENTRY,
      `--source=${options.source ?? DEFAULT_SOURCE}`,
      ...(options.only ? [`--only=${options.only.join(',')}`] : []),
      ...(options.tag ? [`--stack=${options.tag}`] : []),
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        ...options.env,
        PORT: String(options.port),
        EGRESS_STACK_PARENT_PID: String(process.pid),
      },
    },
  );
  closeSync(out);
  child.unref();
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('could not start the functions host');
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = () => stopProcessGroup(pgid);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      throw new Error(`the functions host exited with code ${exitCode}; see ${options.logFile}`);
    }
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) {
        const body = (await res.json()) as { functions: string[] };
        return { url, pgid, functions: body.functions, stop };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the functions host did not answer within the timeout; see ${options.logFile}`);
}
