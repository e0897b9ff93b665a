/**
 * A problem found in a spec document: where (source document and field path), which rule, and
 * a message a user can act on. Every entry point reports ALL problems, never only the first.
 */
export interface SpecError {
  /** Where the document came from, e.g. `examples/tutorial/team-x.yaml#1`. */
  source?: string;
  /** Field path inside the document, e.g. `spec.subnet.podsCidr` or `spec.egress[1].host`. */
  path: string;
  /** Short stable identifier of the violated rule, e.g. `cidr-overlap`. */
  rule: string;
  /** What is wrong and, where it helps, how to fix it. */
  message: string;
}

/** Thrown by `parseEnvironment` / `parseTenant`; carries every problem found. */
export class SpecValidationError extends Error {
  override readonly name = 'SpecValidationError';
  constructor(readonly errors: SpecError[]) {
    super(
      [
        `invalid spec: ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}`,
        ...errors.map((error) => `  ${formatSpecError(error)}`),
      ].join('\n'),
    );
  }
}

/** Renders an error as one line: `SOURCE: PATH: MESSAGE [rule]` (empty parts left out). */
export function formatSpecError(error: SpecError): string {
  const location = [error.source, error.path].filter((part) => part !== undefined && part !== '');
  return [...location, `${error.message} [${error.rule}]`].join(': ');
}

/** Formats a field path the way users read it: `spec.egress[0].host`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}
