import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  FetchHttpClient,
  loadWorkflow,
  runWorkflow,
  WorkflowLoadError,
  type ExecutionResult,
  type TokenProvider,
  type Workflow,
  type WorkflowClock,
  type WorkflowHttpClient,
} from '../workflows/index.js';
import { ExecutionCancelledError, ScaledClock, cancellableClock, untilAborted } from './clock.js';
import { endedRecord, interrupted, toApi, type ExecutionRecord } from './execution-record.js';
import { listExecutions } from './list-executions.js';
import { closeServer, listen, readStateFile, writeStateFile } from './local-service.js';
import { ApiError, executionsRoute, invalid, readJson } from './rest.js';

/** Options of {@link startExecutionsServer}. */
export interface ExecutionsServerOptions {
  /** Where `<workflow>.yaml` files are read, on every execution start. Default: the repository's workflows/. */
  workflowsDir?: string;
  /** Workflow sources by id, taking precedence over files (tests, ad-hoc workflows). */
  workflows?: Record<string, string>;
  /** Speed-up of time inside executions (sleeps divided, `sys.now` faster). Default 1: real time. */
  timeScale?: number;
  /** A clock for every execution instead of the scaled real clock (tests: a virtual clock). */
  clock?: WorkflowClock;
  /** User environment variables of every workflow (`sys.get_env`), e.g. STEP_BASE_URL. */
  env?: Record<string, string>;
  /** HTTP transport of `http.*` calls. Default: fetch. */
  http?: WorkflowHttpClient;
  /** Tokens for `auth: OIDC|OAuth2`. Default: a fixed local placeholder per type. */
  tokenProvider?: TokenProvider;
  /**
   * When set, execution records are kept in `<stateDir>/executions.json`, and an execution that
   * was ACTIVE when the server stopped (or its process died) is replayed on the next start.
   */
  stateDir?: string;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Receives one line per execution start and end. */
  log?: (line: string) => void;
}

/** A running local Executions API. */
export interface ExecutionsServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  host: string;
  port: number;
  /** The execution with this full name. */
  get(name: string): ExecutionRecord | undefined;
  /** Every execution, newest first. */
  list(): ExecutionRecord[];
  /** Resolves with the execution once it left ACTIVE. */
  waitFor(name: string): Promise<ExecutionRecord>;
  /**
   * Stops the server. With `stateDir`, executions still running stay ACTIVE in the state file,
   * exactly as a killed process leaves them, and the next start replays them; without it they
   * end FAILED ("the local Executions API stopped").
   */
  close(): Promise<void>;
}

const REPO_WORKFLOWS_DIR = fileURLToPath(new URL('../../workflows/', import.meta.url));
/** The argument limit of the Executions API (32 KiB). */
const MAX_ARGUMENT_BYTES = 32 * 1024;
const NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)\/executions\/([^/]+)$/;

/**
 * Starts a local Workflow Executions API v1 over the Workflows interpreter, so the official
 * `@google-cloud/workflows` ExecutionsClient (REST fallback) creates, reads, lists and cancels
 * executions of the files in workflows/ as it does on Google Cloud.
 *
 * Google's executions are durable; ours are replayed. With `stateDir`, every execution is
 * recorded (workflow id, argument, id) when it starts and when it ends; one that was ACTIVE when
 * the server stopped or its process was killed is started again on the next start, from its
 * first step, under the same execution id and with the same argument. That is enough for the
 * product's workflows: every step is idempotent and the run in Firestore records each step's
 * pending operation, so a replay re-observes what is done and resumes the long operations by
 * name. It is not Google's semantics for workflows in general: variables, `sys.now()` and side
 * effects of the steps already run are not restored but redone. Without `stateDir` nothing
 * survives the process and a stop ends running executions FAILED.
 */
export async function startExecutionsServer(
  options: ExecutionsServerOptions = {},
): Promise<ExecutionsServer> {
  const workflowsDir = options.workflowsDir ?? REPO_WORKFLOWS_DIR;
  const clock = options.clock ?? new ScaledClock(options.timeScale ?? 1);
  const http = options.http ?? new FetchHttpClient();
  const tokenProvider: TokenProvider =
    options.tokenProvider ?? (async (request) => `local-${request.type.toLowerCase()}-token`);
  const log = options.log ?? (() => {});
  const records = new Map<string, ExecutionRecord>();
  const running = new Map<string, { abort: AbortController; done: Promise<ExecutionRecord> }>();
  const stateFile = options.stateDir ? `${options.stateDir}/executions.json` : undefined;

  const persist = () => {
    if (stateFile) writeStateFile(options.stateDir!, stateFile, [...records.values()]);
  };
  const saved = (stateFile ? readStateFile<ExecutionRecord[]>(stateFile) : undefined) ?? [];
  for (const record of saved) records.set(record.name, record);
  // Set by close(): executions cut off by a stop keep their ACTIVE record, to be replayed.
  let closing = false;

  const loadSource = async (workflowId: string): Promise<string> => {
    const inline = options.workflows?.[workflowId];
    if (inline !== undefined) return inline;
    for (const ext of ['yaml', 'yml', 'json']) {
      try {
        return await readFile(`${workflowsDir}/${workflowId}.${ext}`, 'utf8');
      } catch {
        // Try the next extension.
      }
    }
    throw new ApiError(
      404,
      'NOT_FOUND',
      `Resource 'workflows/${workflowId}' was not found (no ${workflowId}.yaml in ${workflowsDir})`,
    );
  };

  const finish = (
    name: string,
    outcome: ExecutionResult | { state: 'CANCELLED' },
  ): ExecutionRecord => {
    const record = records.get(name)!;
    if (record.state !== 'ACTIVE' || (closing && stateFile)) return record;
    const next = endedRecord(record, outcome);
    records.set(name, next);
    persist();
    log(`execution ${name} ${next.state}`);
    return next;
  };

  const create = async (
    project: string,
    location: string,
    workflowId: string,
    body: unknown,
  ): Promise<ExecutionRecord> => {
    const execution = (body ?? {}) as Record<string, unknown>;
    const argumentText = execution.argument ?? 'null';
    if (typeof argumentText !== 'string') throw invalid('execution.argument must be a JSON string');
    if (Buffer.byteLength(argumentText) > MAX_ARGUMENT_BYTES)
      throw invalid(`execution.argument is larger than ${MAX_ARGUMENT_BYTES} bytes`);
    let argument: unknown;
    try {
      argument = argumentText === '' ? null : JSON.parse(argumentText);
    } catch (error) {
      throw invalid(`execution.argument is not valid JSON: ${(error as Error).message}`);
    }
    const workflow = await compile(workflowId);
    const id = randomUUID();
    const name = `projects/${project}/locations/${location}/workflows/${workflowId}/executions/${id}`;
    const now = new Date().toISOString();
    const record: ExecutionRecord = {
      name,
      workflowId,
      argument: argumentText === '' ? 'null' : argumentText,
      state: 'ACTIVE',
      createTime: now,
      startTime: now,
      workflowRevisionId: '000001-000',
      ...(typeof execution.callLogLevel === 'string'
        ? { callLogLevel: execution.callLogLevel }
        : {}),
      ...(isStringMap(execution.labels) ? { labels: execution.labels } : {}),
    };
    records.set(name, record);
    persist();
    log(`execution ${name} started`);
    launch(record, workflow, argument);
    return record;
  };

  const compile = async (workflowId: string): Promise<Workflow> => {
    try {
      return loadWorkflow(await loadSource(workflowId), { filename: `${workflowId}.yaml` });
    } catch (error) {
      if (error instanceof WorkflowLoadError)
        throw new ApiError(
          400,
          'FAILED_PRECONDITION',
          `workflow ${workflowId} does not load: ${error.message}`,
        );
      throw error;
    }
  };

  /** Runs an ACTIVE execution's workflow from its first step under the record's name and id. */
  const launch = (record: ExecutionRecord, workflow: Workflow, argument: unknown): void => {
    const { name } = record;
    const [, project, location, workflowId, id] = NAME.exec(name)!;
    const abort = new AbortController();
    const signal = abort.signal;
    const done = runWorkflow(workflow, argument, {
      clock:
        clock instanceof ScaledClock
          ? cancellableClock(clock, signal)
          : { now: () => clock.now(), sleep: (ms) => untilAborted(clock.sleep(ms), signal) },
      http: { send: (request) => untilAborted(http.send(request), signal) },
      tokenProvider,
      executionId: id!,
      env: {
        GOOGLE_CLOUD_PROJECT_ID: project!,
        GOOGLE_CLOUD_LOCATION: location!,
        GOOGLE_CLOUD_WORKFLOW_ID: workflowId!,
        ...options.env,
      },
      onStep: () => {
        // The interpreter lets this error through every try/except: a cancel is not catchable.
        if (signal.aborted) throw new ExecutionCancelledError();
      },
    }).then(
      (outcome) => finish(name, outcome),
      (error: unknown) =>
        finish(name, {
          state: 'FAILED',
          error: { message: String(error), tags: ['SystemError'] },
          trace: [],
          logs: [],
        }),
    );
    running.set(name, { abort, done });
    void done.finally(() => running.delete(name));
  };

  /** Replays an execution a previous server left ACTIVE; one that cannot run again ends FAILED. */
  const replay = async (record: ExecutionRecord): Promise<void> => {
    const replayed: ExecutionRecord = { ...record, replays: (record.replays ?? 0) + 1 };
    records.set(record.name, replayed);
    let workflow: Workflow;
    let argument: unknown;
    try {
      workflow = await compile(record.workflowId);
      argument = JSON.parse(record.argument);
    } catch (error) {
      records.set(
        record.name,
        interrupted(
          record,
          `the local Executions API restarted and cannot replay this execution: ${(error as Error).message}`,
        ),
      );
      persist();
      log(`execution ${record.name} FAILED: it cannot be replayed: ${(error as Error).message}`);
      return;
    }
    persist();
    log(`execution ${record.name} replayed from its first step (the server restarted)`);
    launch(replayed, workflow, argument);
  };

  const cancel = (name: string): ExecutionRecord => {
    const record = records.get(name);
    if (!record) throw new ApiError(404, 'NOT_FOUND', `Resource '${name}' was not found`);
    if (record.state !== 'ACTIVE')
      throw new ApiError(
        400,
        'FAILED_PRECONDITION',
        `execution ${name} is ${record.state}, only an ACTIVE execution can be cancelled`,
      );
    const cancelled = finish(name, { state: 'CANCELLED' });
    running.get(name)?.abort.abort();
    return cancelled;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const enumsAsInt = /enum-encoding=int/.test(url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const view = (record: ExecutionRecord, full: boolean) => toApi(record, full, enumsAsInt);
    try {
      const { project, location, workflowId, parent, executionId, suffix } = executionsRoute(
        method,
        url.pathname,
      );
      const fullView = (fallback: boolean) => {
        const v = url.searchParams.get('view');
        return v === null ? fallback : v === 'FULL' || v === '2';
      };
      if (!executionId) {
        if (method === 'POST')
          return send(
            200,
            view(await create(project, location, workflowId, await readJson(req)), true),
          );
        if (method === 'GET') {
          const page = listExecutions(records.values(), parent, url.searchParams);
          return send(200, {
            executions: page.executions.map((r) => view(r, fullView(false))),
            ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
          });
        }
      } else {
        const name = `${parent}/executions/${executionId}`;
        if (suffix === ':cancel' && method === 'POST') return send(200, view(cancel(name), true));
        if (!suffix && method === 'GET') {
          const record = records.get(name);
          if (!record) throw new ApiError(404, 'NOT_FOUND', `Resource '${name}' was not found`);
          return send(200, view(record, fullView(true)));
        }
      }
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, 'INTERNAL', (error as Error).message);
      send(apiError.code, {
        error: { code: apiError.code, message: apiError.message, status: apiError.status },
      });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port ?? 0);
  for (const record of saved) if (record.state === 'ACTIVE') await replay(record);
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    get: (name) => records.get(name),
    list: () => [...records.values()].sort((a, b) => b.createTime.localeCompare(a.createTime)),
    waitFor: async (name) => {
      const record = records.get(name);
      if (!record) throw new Error(`no execution ${name}`);
      const active = running.get(name);
      if (record.state !== 'ACTIVE' || !active) return record;
      await active.done;
      return records.get(name)!;
    },
    close: async () => {
      closing = true;
      for (const [name, { abort }] of running) {
        const record = records.get(name);
        if (record?.state === 'ACTIVE' && !stateFile)
          records.set(
            name,
            interrupted(
              record,
              'the local Executions API stopped while this execution ran; without a state dir ' +
                'executions are not kept: start a new one for the same run',
            ),
          );
        abort.abort();
      }
      persist();
      await Promise.allSettled([...running.values()].map((r) => r.done));
      await closeServer(server);
    },
  };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
