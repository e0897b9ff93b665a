/**
 * The CEL validation rules of CustomResourceDefinitions (`x-kubernetes-validations`), evaluated
 * as kube-apiserver 1.32 does (k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel
 * validation.go, and pkg/registry/customresource strategy.go for when they run):
 *
 * - each rule runs at its schema node with `self` bound to that node's value; a node whose
 *   value is absent or null runs no rule; values are typed by the schema (integer → int,
 *   number → double, objects and maps → maps, arrays → lists);
 * - a rule using `oldSelf` (a transition rule) runs only on update, where the old object has a
 *   value at the same place (object properties and map keys correlate; list items only in
 *   `x-kubernetes-list-type: map` lists, by their keys);
 * - a rule evaluating to false gives `<field>: Invalid value: "<schema type>": <message>`
 *   (`message`, else `messageExpression`'s result, else `failed rule: <rule>`), or the error
 *   `reason` asks for (FieldValueForbidden, FieldValueRequired, FieldValueDuplicate), at the
 *   node's path plus the rule's `fieldPath`; a rule whose evaluation fails gives
 *   `<error> evaluating rule: <message or rule>`;
 * - on update, a failing rule that does not use `oldSelf` at a value equal to the old one is
 *   ratcheted (CRDValidationRatcheting, on by default): a warning instead of an error;
 * - when the schema validation already found a blocking error (required, enum, type, too
 *   long, too many), no rule runs and one `<nil>` cause says so.
 *
 * Rules are compiled once per process and expression (the CRDs are loaded once); a rule the
 * library cannot compile is logged once and skipped. The runtime cost budget is not enforced.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  celEnv,
  isCelError,
  parse,
  plan,
  type CelEnv,
  type CelInput,
  type CelResult,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { kubernetesLibrary } from './kubernetes-library.js';
import type { StructuralSchema } from '../crd-kinds.js';
import type { StatusCause } from '../status-errors.js';
import type { SchemaError } from '../builtin-kinds.js';
import { isPlainObject } from '../../../shared/lib/json.js';

/** One entry of `x-kubernetes-validations`. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

type Program = (bindings: { self: CelInput; oldSelf?: CelInput }) => CelResult;

interface CompiledRule {
  rule: ValidationRule;
  program: Program;
  messageProgram?: Program;
  usesOldSelf: boolean;
}

let environment: CelEnv | undefined;
const programs = new Map<string, { program: Program; usesOldSelf: boolean } | undefined>();
const compiledBySchema = new WeakMap<StructuralSchema, CompiledRule[]>();
const skipped = new Set<string>();

/** The rules the library could not compile or run (each logged once), for reports and tests. */
export function skippedRules(): readonly string[] {
  return [...skipped];
}

function skip(expression: string, reason: string): void {
  if (skipped.has(expression)) return;
  skipped.add(expression);
  console.warn(`kube simulator: CEL rule skipped (${reason}): ${expression}`);
}

/** Whether the parsed expression names the identifier `oldSelf`. */
function mentionsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsOldSelf);
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  if (record.$typeName === 'cel.expr.Expr.Ident' && record.name === 'oldSelf') return true;
  return Object.values(record).some(mentionsOldSelf);
}

function compile(expression: string): { program: Program; usesOldSelf: boolean } | undefined {
  if (programs.has(expression)) return programs.get(expression);
  let compiled: { program: Program; usesOldSelf: boolean } | undefined;
  try {
    environment ??= celEnv({ funcs: [...strings, ...kubernetesLibrary] });
    const parsed = parse(expression);
    compiled = {
      program: plan(environment, parsed) as Program,
      usesOldSelf: mentionsOldSelf(parsed),
    };
  } catch (error) {
    skip(expression, `does not compile: ${(error as Error).message}`);
  }
  programs.set(expression, compiled);
  return compiled;
}

/** The compiled rules of one schema node, compiled on first use and kept with the schema. */
function rulesOf(schema: StructuralSchema): CompiledRule[] {
  const cached = compiledBySchema.get(schema);
  if (cached) return cached;
  const rules: CompiledRule[] = [];
  const declared = schema['x-kubernetes-validations'];
  for (const rule of Array.isArray(declared) ? (declared as ValidationRule[]) : []) {
    if (typeof rule.rule !== 'string' || rule.rule.trim() === '') continue;
    const compiled = compile(rule.rule);
    if (!compiled) continue;
    const messageProgram =
      typeof rule.messageExpression === 'string'
        ? compile(rule.messageExpression)?.program
        : undefined;
    rules.push({ rule, ...compiled, ...(messageProgram ? { messageProgram } : {}) });
  }
  compiledBySchema.set(schema, rules);
  return rules;
}

/** A JSON value as CEL sees it under its schema (apiserver/pkg/cel UnstructuredToVal). */
export function toCel(schema: StructuralSchema | undefined, value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    const integral =
      schema?.type === 'integer' ||
      ((schema?.type === undefined || schema['x-kubernetes-int-or-string'] === true) &&
        Number.isInteger(value));
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const items = schema?.items as StructuralSchema | undefined;
    return value.map((item) => toCel(items, item));
  }
  if (isPlainObject(value)) {
    const properties = schema?.properties as Record<string, StructuralSchema> | undefined;
    const additional = isPlainObject(schema?.additionalProperties)
      ? (schema.additionalProperties as StructuralSchema)
      : undefined;
    return new Map(
      Object.entries(value).map(([key, item]) => [
        key,
        toCel(properties?.[key] ?? additional, item),
      ]),
    );
  }
  return null;
}

function ruleErrorString(rule: ValidationRule): string {
  return (rule.message ?? '').trim() !== '' ? (rule.message ?? '').trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return (rule.message ?? '').trim() !== ''
    ? (rule.message ?? '').trim()
    : `failed rule: ${rule.rule.trim()}`;
}

/** cel-go's wording for the errors `@bufbuild/cel` words its own way. */
function celGoError(error: Error): string {
  const message = error.message;
  const missing = /^field not found: (.*)$/.exec(message);
  if (missing) return `no such key: ${missing[1] ?? ''}`;
  return message;
}

/** `field.Invalid(path, schemaType, detail)` and its siblings, as a Status cause. */
function fieldError(
  field: string,
  schemaType: string,
  detail: string,
  reason: ValidationRule['reason'],
): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return { reason, field, message: `Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return { reason, field, message: `Required value: ${detail}` };
    case 'FieldValueDuplicate':
      return { reason, field, message: `Duplicate value: ${JSON.stringify(schemaType)}` };
    default:
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${JSON.stringify(schemaType)}: ${detail}`,
      };
  }
}

interface Walk {
  causes: StatusCause[];
  warnings: string[];
}

function evaluateNode(
  schema: StructuralSchema,
  value: unknown,
  old: unknown,
  path: string,
  ratchet: boolean,
  walk: Walk,
): void {
  const rules = rulesOf(schema);
  if (rules.length === 0) return;
  const field = path === '' ? '<nil>' : path;
  const schemaType = typeof schema.type === 'string' ? schema.type : '';
  const self = toCel(schema, value);
  const oldSelf = old === undefined || old === null ? undefined : toCel(schema, old);
  for (const compiled of rules) {
    const { rule } = compiled;
    if (compiled.usesOldSelf && oldSelf === undefined) continue;
    const bindings = oldSelf === undefined ? { self } : { self, oldSelf };
    const result = compiled.program(bindings);
    if (isCelError(result)) {
      if (/^unbound function/.test(result.message)) {
        skip(rule.rule, result.message);
        continue;
      }
      walk.causes.push(
        fieldError(
          field,
          schemaType,
          `${celGoError(result)} evaluating rule: ${ruleErrorString(rule)}`,
          'FieldValueInvalid',
        ),
      );
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      skip(rule.rule, 'does not evaluate to a bool');
      continue;
    }
    let detail = ruleMessageOrDefault(rule);
    if (compiled.messageProgram) {
      const message = compiled.messageProgram(bindings);
      if (typeof message === 'string' && message.trim() !== '' && !message.includes('\n'))
        detail = message;
    }
    const normalized = (rule.fieldPath ?? '').replace(/^\./, '');
    const at = normalized === '' ? field : path === '' ? normalized : `${path}.${normalized}`;
    const cause = fieldError(at, schemaType, detail, rule.reason);
    if (!compiled.usesOldSelf && ratchet) walk.warnings.push(`${at}: ${cause.message}`);
    else walk.causes.push(cause);
  }
}

/** The old item a new list item correlates with: same keys in a `map` list, else none. */
function correlatedItem(schema: StructuralSchema, item: unknown, old: unknown): unknown {
  if (schema['x-kubernetes-list-type'] !== 'map' || !Array.isArray(old) || !isPlainObject(item))
    return undefined;
  const keys = (schema['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  return old.find(
    (candidate) =>
      isPlainObject(candidate) && keys.every((key) => isDeepStrictEqual(candidate[key], item[key])),
  );
}

function walkNode(
  schema: StructuralSchema,
  value: unknown,
  old: unknown,
  path: string,
  parentRatchet: boolean,
  walk: Walk,
): void {
  if (value === null || value === undefined) return;
  const ratchet = old === undefined ? parentRatchet : isDeepStrictEqual(value, old);
  evaluateNode(schema, value, old, path, ratchet, walk);
  if (Array.isArray(value)) {
    const items = schema.items as StructuralSchema | undefined;
    if (!items) return;
    value.forEach((item, index) =>
      walkNode(items, item, correlatedItem(schema, item, old), `${path}[${index}]`, ratchet, walk),
    );
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = schema.properties as Record<string, StructuralSchema> | undefined;
  const additional = isPlainObject(schema.additionalProperties)
    ? (schema.additionalProperties as StructuralSchema)
    : undefined;
  const oldObject = isPlainObject(old) ? old : undefined;
  for (const [key, item] of Object.entries(value)) {
    if (path === '' && key === 'metadata') continue;
    const property = properties?.[key];
    if (property) {
      walkNode(
        property,
        item,
        oldObject?.[key],
        path === '' ? key : `${path}.${key}`,
        ratchet,
        walk,
      );
    } else if (additional) {
      walkNode(additional, item, oldObject?.[key], `${path}[${key}]`, ratchet, walk);
    }
  }
}

const blockingReasons = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);
/** ajv keywords kube-openapi reports as TooLong, TooMany or TypeInvalid (int-or-string's anyOf). */
const blockingKeywords = new Set(['maxLength', 'maxItems', 'maxProperties', 'anyOf']);

/**
 * Whether schema validation found an error that stops the rules from running (strategy.go
 * `hasBlockingErr`). Errors inside `oneOf`/`anyOf`/`not` branches are not errors of the object.
 */
export function hasBlockingError(causes: readonly StatusCause[], errors: readonly SchemaError[]) {
  return (
    causes.some((cause) => blockingReasons.has(cause.reason)) ||
    errors.some((error) => {
      const schemaPath = (error as { schemaPath?: string }).schemaPath ?? '';
      return blockingKeywords.has(error.keyword) && !/\/(oneOf|anyOf|not)\//.test(schemaPath);
    })
  );
}

const schemasWithRules = new WeakMap<StructuralSchema, boolean>();

/** Whether any node of the schema declares `x-kubernetes-validations` (cel.NewValidator != nil). */
function hasRules(schema: StructuralSchema): boolean {
  const cached = schemasWithRules.get(schema);
  if (cached !== undefined) return cached;
  const visit = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(visit);
    if (typeof node !== 'object' || node === null) return false;
    const record = node as Record<string, unknown>;
    const rules = record['x-kubernetes-validations'];
    return (Array.isArray(rules) && rules.length > 0) || Object.values(record).some(visit);
  };
  const found = visit(schema);
  schemasWithRules.set(schema, found);
  return found;
}

/** What the rules of a CRD version's schema say about an object written over `old`. */
export interface RuleVerdict {
  causes: StatusCause[];
  /** Ratcheted failures, for `Warning` headers. */
  warnings: string[];
}

/**
 * Evaluates every rule of `schema` against `object` (and `old`, on update). `priorCauses` and
 * `schemaErrors` are what ObjectMeta and OpenAPI validation found: a blocking one among them
 * replaces the rules by the API server's single `<nil>` cause.
 */
export function validateCrdRules(
  schema: StructuralSchema,
  object: Record<string, unknown>,
  old: Record<string, unknown> | undefined,
  priorCauses: readonly StatusCause[] = [],
  schemaErrors: readonly SchemaError[] = [],
): RuleVerdict {
  // strategy.go only has a CEL validator (and so the `<nil>` cause) when the schema has rules.
  if (hasRules(schema) && hasBlockingError(priorCauses, schemaErrors)) {
    return {
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: '<nil>',
          message:
            'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        },
      ],
      warnings: [],
    };
  }
  const walk: Walk = { causes: [], warnings: [] };
  walkNode(schema, object, old, '', false, walk);
  return walk;
}
