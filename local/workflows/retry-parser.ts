import { isMap as isYamlMap, isScalar, type Node as YamlNode } from 'yaml';
import type { PredicateRef, RetryPolicy, Template } from './model.js';
import type { WfValue } from './values.js';
import type { YamlSource } from './yaml-source.js';

/** Built-in retry policies usable as `retry: ${...}` (stdlib/http, stdlib/retry). */
export const BUILTIN_RETRY_POLICIES: ReadonlyMap<string, { predicate: string }> = new Map([
  ['http.default_retry', { predicate: 'http.default_retry_predicate' }],
  [
    'http.default_retry_non_idempotent',
    { predicate: 'http.default_retry_predicate_non_idempotent' },
  ],
]);

const BUILTIN_PREDICATES = new Set([
  'http.default_retry_predicate',
  'http.default_retry_predicate_non_idempotent',
  'retry.always',
  'retry.never',
]);

/** The `retry` of a `try` step: a built-in policy `${http.default_retry}`, or a map. */
export function parseRetryPolicy(
  source: YamlSource,
  node: YamlNode | null,
  step: string,
): RetryPolicy {
  const named = (n: YamlNode | null): string | undefined => {
    if (!isScalar(n) || typeof n.value !== 'string') return undefined;
    const m = /^\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}$/.exec(n.value);
    return m?.[1];
  };
  const constant = (value: WfValue): Template => ({ kind: 'const', value });
  const policyName = named(node);
  if (policyName !== undefined) {
    const builtin = BUILTIN_RETRY_POLICIES.get(policyName);
    if (!builtin)
      source.fail(
        `unknown retry policy "${policyName}" (known: ${[...BUILTIN_RETRY_POLICIES.keys()].join(', ')})`,
        node,
        step,
      );
    // http.default_retry: 5 retries, backoff 1 s initial, 60 s max, multiplier 1.25 (stdlib/http/default_retry).
    return {
      predicate: { kind: 'builtin', name: builtin.predicate },
      maxRetries: constant(5n),
      initialDelay: constant(1),
      maxDelay: constant(60),
      multiplier: constant(1.25),
    };
  }
  if (!isYamlMap(node))
    source.fail(
      '"retry" must be a built-in policy expression or a map with predicate, max_retries, backoff',
      node,
      step,
    );
  const keys = source.entries(node, step);
  source.allowOnly(keys, ['predicate', 'max_retries', 'backoff'], '"retry"', step);
  const predicateEntry = keys.get('predicate');
  if (!predicateEntry) source.fail('"retry" needs "predicate"', node, step);
  const predicateName = named(predicateEntry.value);
  if (!predicateName)
    source.fail(
      '"retry.predicate" must be ${subworkflow_name} or a built-in predicate',
      predicateEntry.value,
      step,
    );
  let predicate: PredicateRef;
  if (BUILTIN_PREDICATES.has(predicateName)) predicate = { kind: 'builtin', name: predicateName };
  else {
    predicate = { kind: 'subworkflow', name: predicateName };
    source.calls.push({
      name: predicateName,
      line: source.lineOf(predicateEntry.value) ?? 0,
      step,
      inExpression: false,
      argNames: undefined,
    });
  }
  const maxRetries = keys.get('max_retries');
  if (!maxRetries) source.fail('"retry" needs "max_retries"', node, step);
  const backoffEntry = keys.get('backoff');
  if (!backoffEntry) source.fail('"retry" needs "backoff"', node, step);
  const backoff = backoffEntry.value;
  if (!isYamlMap(backoff))
    source.fail('"backoff" must be a map', backoff ?? backoffEntry.key, step);
  const b = source.entries(backoff, step);
  source.allowOnly(b, ['initial_delay', 'max_delay', 'multiplier'], '"backoff"', step);
  for (const k of ['initial_delay', 'max_delay', 'multiplier'])
    if (!b.has(k)) source.fail(`"backoff" needs "${k}"`, backoff, step);
  return {
    predicate,
    maxRetries: source.template(maxRetries.value, step),
    initialDelay: source.template(b.get('initial_delay')!.value, step),
    maxDelay: source.template(b.get('max_delay')!.value, step),
    multiplier: source.template(b.get('multiplier')!.value, step),
  };
}
