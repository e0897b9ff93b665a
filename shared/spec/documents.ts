import type { z } from 'zod';
import { SPEC_API_VERSION } from './constants.js';
import { EnvironmentSchema, type Environment } from './environment.js';
import { SpecValidationError, type SpecError } from './spec-error.js';
import { TenantSchema, type Tenant } from './tenant.js';
import { validateEnvironment } from './validate-environment.js';
import { validateSpecSet, type Sourced } from './validate-spec-set.js';
import { validateTenant } from './validate-tenant.js';
import { specErrorsFromZod, specIssueMessages } from './zod-issues.js';

/** The document kinds this API version knows. */
export const SPEC_KINDS = ['Environment', 'Tenant'] as const;
export type SpecKind = (typeof SPEC_KINDS)[number];

/** The parsed documents of a valid set. */
export interface SpecSet {
  environments: Environment[];
  tenants: Tenant[];
}

/** The outcome of `validateDocuments`: the parsed set, or every problem found. */
export type ValidationResult = { ok: true; specs: SpecSet } | { ok: false; errors: SpecError[] };

/** One parsed document with its source, in input order. */
export type ParsedDocument =
  | { source?: string; kind: 'Environment'; spec: Environment }
  | { source?: string; kind: 'Tenant'; spec: Tenant };

/** A document as read, before parsing. */
export interface RawDocument {
  source?: string;
  doc: unknown;
}

/**
 * Parses (zod) and validates (cross-field, cross-document) documents; each doc may carry its
 * source name, which every error about it repeats. Lists ALL problems, never only the first.
 */
export function validateDocuments(docs: ReadonlyArray<RawDocument>): ValidationResult {
  const { documents, errors } = validateSourcedDocuments(docs);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    specs: {
      environments: documents.flatMap((d) => (d.kind === 'Environment' ? [d.spec] : [])),
      tenants: documents.flatMap((d) => (d.kind === 'Tenant' ? [d.spec] : [])),
    },
  };
}

/**
 * Like `validateDocuments`, but keeps each parsed document with its source (for reports such as
 * `egressctl validate`), and returns the documents that parsed even when there are errors.
 */
export function validateSourcedDocuments(docs: ReadonlyArray<RawDocument>): {
  documents: ParsedDocument[];
  errors: SpecError[];
} {
  const errors: SpecError[] = [];
  const documents: ParsedDocument[] = [];
  const declaredEnvironments: string[] = [];
  const withSource = (source: string | undefined, found: SpecError[]): SpecError[] =>
    source === undefined ? found : found.map((error) => ({ source, ...error }));

  for (const { source, doc } of docs) {
    const header = checkHeader(doc, undefined);
    errors.push(...withSource(source, header.errors));
    if (header.kind === 'Environment') {
      const name = declaredName(doc);
      if (name !== undefined) declaredEnvironments.push(name);
      const parsed = parseWithSchema(EnvironmentSchema, doc);
      errors.push(...withSource(source, parsed.errors));
      if (parsed.spec !== undefined && header.errors.length === 0) {
        errors.push(...withSource(source, validateEnvironment(parsed.spec)));
        documents.push({ source, kind: 'Environment', spec: parsed.spec });
      }
    } else if (header.kind === 'Tenant') {
      const parsed = parseWithSchema(TenantSchema, doc);
      errors.push(...withSource(source, parsed.errors));
      if (parsed.spec !== undefined && header.errors.length === 0) {
        documents.push({ source, kind: 'Tenant', spec: parsed.spec });
      }
    }
  }

  const environments: Array<Sourced<Environment>> = [];
  const tenants: Array<Sourced<Tenant>> = [];
  for (const document of documents) {
    if (document.kind === 'Environment') {
      environments.push({ source: document.source, spec: document.spec });
    } else {
      tenants.push({ source: document.source, spec: document.spec });
    }
  }
  for (const tenant of tenants) {
    const environment = environments.find(
      (env) => env.spec.metadata.name === tenant.spec.spec.environment,
    )?.spec;
    errors.push(...withSource(tenant.source, validateTenant(tenant.spec, environment)));
  }
  errors.push(...validateSpecSet({ environments, tenants }, { declaredEnvironments }));
  return { documents, errors: sortErrors(docs, errors) };
}

/** Parses and validates one Environment document; throws SpecValidationError with every problem. */
export function parseEnvironment(doc: unknown): Environment {
  return parseOne(doc, 'Environment', EnvironmentSchema, validateEnvironment);
}

/**
 * Parses and validates one Tenant document, with the checks that need its Environment when one
 * is given (the gateway's namespace, node service accounts, the environment's name). Checks
 * that need the other tenants (references, duplicates) belong to `validateDocuments`.
 */
export function parseTenant(doc: unknown, environment?: Environment): Tenant {
  return parseOne(doc, 'Tenant', TenantSchema, (tenant) => validateTenant(tenant, environment));
}

/** One document of a known kind: header, schema, then its own cross-field checks. */
function parseOne<T>(
  doc: unknown,
  kind: SpecKind,
  schema: z.ZodType<T>,
  validate: (spec: T) => SpecError[],
): T {
  const header = checkHeader(doc, kind);
  const errors = [...header.errors];
  if (header.kind !== undefined) {
    const parsed = parseWithSchema(schema, doc);
    errors.push(...parsed.errors);
    if (parsed.spec !== undefined && errors.length === 0) {
      errors.push(...validate(parsed.spec));
      if (errors.length === 0) return parsed.spec;
    }
  }
  throw new SpecValidationError(errors);
}

/** A document against its kind's schema: the parsed spec, or the schema's errors. */
function parseWithSchema<T>(
  schema: z.ZodType<T>,
  doc: unknown,
): { spec: T; errors: [] } | { spec: undefined; errors: SpecError[] } {
  const parsed = schema.safeParse(doc, parseOptions);
  return parsed.success
    ? { spec: parsed.data, errors: [] }
    : { spec: undefined, errors: specErrorsFromZod(withoutHeader(parsed.error.issues)) };
}

// reportInput lets the message map tell a missing field from a wrong one.
const parseOptions = { error: specIssueMessages, reportInput: true } as const;

/** Header problems, and the kind whose schema applies (undefined: none does). */
interface HeaderCheck {
  kind: SpecKind | undefined;
  errors: SpecError[];
}

/**
 * apiVersion and kind decide which schema applies, so they are checked first and on their own:
 * a wrong kind yields one clear error instead of a schema's worth of misleading ones.
 */
function checkHeader(doc: unknown, expectedKind: SpecKind | undefined): HeaderCheck {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    const found = doc === null ? 'null' : Array.isArray(doc) ? 'a list' : `a ${typeof doc}`;
    return {
      kind: undefined,
      errors: [
        {
          path: '',
          rule: 'invalid-document',
          message: `a spec document must be a mapping with apiVersion, kind, metadata and spec, not ${found}`,
        },
      ],
    };
  }
  const { apiVersion, kind } = doc as Record<string, unknown>;
  const errors: SpecError[] = [];
  if (apiVersion === undefined) {
    errors.push({
      path: 'apiVersion',
      rule: 'required',
      message: `is required: ${SPEC_API_VERSION}`,
    });
  } else if (apiVersion !== SPEC_API_VERSION) {
    errors.push({
      path: 'apiVersion',
      rule: 'unknown-api-version',
      message: `unknown apiVersion ${JSON.stringify(apiVersion)}; expected ${SPEC_API_VERSION}`,
    });
  }
  const expected = expectedKind === undefined ? SPEC_KINDS : [expectedKind];
  const matched = expected.find((k) => k === kind);
  if (kind === undefined) {
    errors.push({
      path: 'kind',
      rule: 'required',
      message: `is required: ${expected.join(' or ')}`,
    });
  } else if (matched === undefined && SPEC_KINDS.some((k) => k === kind)) {
    errors.push({
      path: 'kind',
      rule: 'unexpected-kind',
      message: `expected kind ${expected.join(' or ')}, not ${JSON.stringify(kind)}`,
    });
  } else if (matched === undefined) {
    errors.push({
      path: 'kind',
      rule: 'unknown-kind',
      message: `unknown kind ${JSON.stringify(kind)}; expected ${expected.join(' or ')}`,
    });
  }
  return { kind: matched, errors };
}

function withoutHeader<T extends { path: ReadonlyArray<PropertyKey> }>(
  issues: ReadonlyArray<T>,
): T[] {
  return issues.filter((issue) => issue.path[0] !== 'apiVersion' && issue.path[0] !== 'kind');
}

function declaredName(doc: unknown): string | undefined {
  const metadata = (doc as { metadata?: { name?: unknown } } | null)?.metadata;
  return typeof metadata?.name === 'string' ? metadata.name : undefined;
}

/** Errors in document order, then as found: a user fixes files top to bottom. */
function sortErrors(docs: ReadonlyArray<RawDocument>, errors: SpecError[]): SpecError[] {
  const order = new Map<string | undefined, number>();
  docs.forEach((d, index) => {
    if (!order.has(d.source)) order.set(d.source, index);
  });
  return errors
    .map((error, index) => ({ error, index }))
    .sort(
      (a, b) =>
        (order.get(a.error.source) ?? Infinity) - (order.get(b.error.source) ?? Infinity) ||
        a.index - b.index,
    )
    .map(({ error }) => error);
}
