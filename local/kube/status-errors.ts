/**
 * Kubernetes `Status` error bodies (k8s.io/apimachinery/pkg/api/errors): the simulator answers
 * every failure with one, so kubectl and client-node print the same messages a real API server
 * makes them print.
 */

/** One cause of an `Invalid` (422) or conflict error, as in `details.causes[]`. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** Identity of the object an error is about, as in `details`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/** An error the simulator turns into an HTTP status and a `Status` body. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    /** The `reason` of the Status body: NotFound, AlreadyExists, Conflict, Invalid, ... */
    readonly reason: string,
    message: string,
    readonly details: StatusDetails = {},
  ) {
    super(message);
  }

  /** The `Status` object the HTTP response carries. */
  toStatus(): Record<string, unknown> {
    const details = Object.keys(this.details).length > 0 ? { details: this.details } : {};
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...details,
      code: this.code,
    };
  }
}

/** The resource name used in messages: `deployments.apps`, `namespaces`. */
function qualified(group: string, plural: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

/** 404 for a missing object: `deployments.apps "web" not found`. */
export function notFound(group: string, plural: string, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualified(group, plural)} "${name}" not found`, {
    name,
    ...(group === '' ? {} : { group }),
    kind: plural,
  });
}

/** 409 for a create of an object that exists. */
export function alreadyExists(group: string, plural: string, name: string): KubeApiError {
  return new KubeApiError(
    409,
    'AlreadyExists',
    `${qualified(group, plural)} "${name}" already exists`,
    { name, ...(group === '' ? {} : { group }), kind: plural },
  );
}

/** 409 for an update carrying a stale resourceVersion. */
export function resourceVersionConflict(group: string, plural: string, name: string): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group === '' ? {} : { group }), kind: plural },
  );
}

/** 422 naming every invalid field: `Kind.group "name" is invalid: [field: message, ...]`. */
export function invalid(
  group: string,
  kind: string,
  name: string,
  causes: StatusCause[],
): KubeApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const list = causes.map((cause) =>
    cause.field ? `${cause.field}: ${cause.message}` : cause.message,
  );
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new KubeApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    ...(group === '' ? {} : { group }),
    kind,
    causes,
  });
}

/** 400 for a request the server cannot decode or that breaks a rule of the protocol. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

/** 405 for a verb the simulator does not serve (watch, proxy, ...). */
export function methodNotAllowed(message: string): KubeApiError {
  return new KubeApiError(405, 'MethodNotAllowed', message);
}
