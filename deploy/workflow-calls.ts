/**
 * The calls the workflows make as their own service account, read from the parsed YAML of
 * workflows/*.yaml: Google API calls (a `googleapis.*` connector, or an `http.*` call with
 * `auth: {type: OAuth2}` to a `*.googleapis.com` URL) and invocations of our own functions (an
 * `http.*` call with `auth: {type: OIDC}`). The coverage check (coverage.ts) maps each Google
 * call to its IAM permission (deploy/permissions.ts WORKFLOW_CALL_PERMISSIONS) and each invoked
 * function to its run.invoker binding.
 *
 * Pure: the caller parses the files.
 */

/** One Google API call of a workflow, named by the REST method it reaches. */
export interface WorkflowGoogleCall {
  /** `workflows/<file>` and the step's name, for messages. */
  where: string;
  /**
   * The REST method as Google's discovery documents name it, e.g.
   * `workflowexecutions.projects.locations.workflows.executions.create`; `unknown:<text>` when
   * the call cannot be mapped (the check then fails, naming it).
   */
  method: string;
}

/** What one workflow file calls. */
export interface WorkflowCalls {
  google: WorkflowGoogleCall[];
  /**
   * The functions it invokes with an OIDC token, by entry point (`finalize`, `step-<family>`):
   * literal `{name}` substitutions and the `family` argument of every call of a subworkflow
   * whose URL is built from `"step-" + family`.
   */
  functions: string[];
  /** OIDC or OAuth2 calls whose target cannot be read (the check fails, naming them). */
  unreadable: string[];
}

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of the Workflows syntax: a call under them belongs to the step that holds them. */
const SYNTAX = new Set([
  'steps',
  'try',
  'except',
  'retry',
  'args',
  'parallel',
  'branches',
  'for',
  'switch',
]);

/** Every map with a `call` in a parsed workflow, at any depth, with the name of its step. */
function* stepsOf(node: unknown, name = ''): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const item of node) yield* stepsOf(item, name);
    return;
  }
  if (!isMap(node)) return;
  if (typeof node.call === 'string') yield [name, node];
  for (const [key, value] of Object.entries(node))
    yield* stepsOf(value, SYNTAX.has(key) ? name : key);
}

/**
 * The REST method an OAuth2 `http.*` call reaches, from the text of its URL expression: the
 * host `<api>.googleapis.com` (also through an environment variable whose default is that
 * host) and the path's shape.
 */
export function googleMethodOfUrl(verb: string, url: string): string | undefined {
  const host = /https:\/\/([a-z0-9-]+)\.googleapis\.com/.exec(url)?.[1];
  if (!host) return undefined;
  if (
    host === 'workflowexecutions' &&
    verb === 'post' &&
    /\/workflows\/[^"/]+\/executions"/.test(url)
  )
    return 'workflowexecutions.projects.locations.workflows.executions.create';
  return undefined;
}

/** The expressions a subworkflow assigns to its variables (the last assignment of each). */
function assignmentsOf(node: unknown, found = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(node)) for (const item of node) assignmentsOf(item, found);
  else if (isMap(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'assign' && Array.isArray(value)) {
        for (const a of value) {
          if (!isMap(a)) continue;
          for (const [name, expr] of Object.entries(a))
            if (typeof expr === 'string') found.set(name, expr);
        }
      } else assignmentsOf(value, found);
    }
  }
  return found;
}

/** What one parsed workflow file calls (see {@link WorkflowCalls}). */
export function workflowCalls(file: string, parsed: unknown): WorkflowCalls {
  const google: WorkflowGoogleCall[] = [];
  const functions = new Set<string>();
  const unreadable: string[] = [];
  /** Subworkflows whose function URL is `"step-" + family`. */
  const familyCallers = new Set<string>();
  const subworkflows = isMap(parsed) ? Object.entries(parsed) : [];
  for (const [subworkflow, body] of subworkflows) {
    const assigned = assignmentsOf(body);
    for (const [step, node] of stepsOf(body)) {
      const call = node.call as string;
      const where = `workflows/${file} ${subworkflow}.${step}`;
      if (call.startsWith('googleapis.')) {
        // googleapis.<api>.<version>.<resource path>.<verb>: the method without the version.
        const parts = call.split('.');
        google.push({ where, method: [parts[1], ...parts.slice(3)].join('.') });
        continue;
      }
      const verb = /^http\.(get|post|put|patch|delete|request)$/.exec(call)?.[1];
      if (!verb) continue;
      const args = isMap(node.args) ? node.args : {};
      const auth = isMap(args.auth) ? String(args.auth.type ?? '') : '';
      const written = typeof args.url === 'string' ? args.url : JSON.stringify(args.url ?? '');
      // `url: ${url}`: the expression the subworkflow assigned to that variable.
      const variable = /^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$/.exec(written)?.[1];
      const url = (variable && assigned.get(variable)) || written;
      if (auth === 'OAuth2') {
        google.push({ where, method: googleMethodOfUrl(verb, url) ?? `unknown:${url}` });
      } else if (auth === 'OIDC') {
        const literal = /"\{name\}",\s*"([a-z0-9-]+)"\s*\)/.exec(url)?.[1];
        if (literal) functions.add(literal);
        else if (/"\{name\}",\s*"step-"\s*\+\s*family\s*\)/.test(url))
          familyCallers.add(subworkflow);
        else unreadable.push(`${where}: OIDC call to ${url}`);
      }
    }
  }
  for (const [, body] of subworkflows) {
    for (const [, node] of stepsOf(body)) {
      if (!familyCallers.has(node.call as string)) continue;
      const family = isMap(node.args) ? node.args.family : undefined;
      if (typeof family === 'string') functions.add(`step-${family}`);
    }
  }
  return { google, functions: [...functions].sort(), unreadable };
}
