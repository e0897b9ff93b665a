import { z } from 'zod';

/**
 * Fault injection: make chosen calls fail the way Google fails them under load (429, 503),
 * under contention (409 on setIamPolicy) or inside a long-running operation.
 */

const methodPattern = z
  .string()
  .min(1)
  .describe(
    'a method id (`container.projects.locations.clusters.create`), its short form (`container.clusters.create`) or its last part (`setIamPolicy`)',
  );

/** An operation's error, as `Operation.error` carries it. */
export const operationErrorSchema = z.strictObject({
  code: z.number().int().default(13),
  message: z.string().default('Simulated operation failure.'),
});

/** One scripted fault. */
export const faultRuleSchema = z
  .strictObject({
    method: methodPattern,
    /** Fires only on the nth matching call (1-based). */
    nth: z.number().int().positive().optional(),
    /** Fires on this many matching calls (after `nth`, if given); unlimited when both are absent. */
    times: z.number().int().positive().optional(),
    /** Answer the request with this HTTP error instead of serving it. */
    respond: z.number().int().min(400).max(599).optional(),
    /** Serve the request, but let its long-running operation finish with this error. */
    operationError: operationErrorSchema.optional(),
  })
  .refine((r) => (r.respond === undefined) !== (r.operationError === undefined), {
    message: 'give exactly one of respond or operationError',
  });

/** Random faults at a rate, reproducible through the seed. */
export const rateFaultSchema = z.strictObject({
  rate: z.number().min(0).max(1),
  codes: z.array(z.number().int().min(400).max(599)).min(1).default([503]),
  seed: z.number().int().default(1),
  /** Only these methods (same patterns as rules); all methods when absent. */
  methods: z.array(methodPattern).optional(),
  /** Reads are spared unless this is true: retries of writes are what steps must survive. */
  includeReads: z.boolean().default(false),
});

/** A fault script: a list of rules, a rate, or both. */
export const faultScriptSchema = z.union([
  z.array(faultRuleSchema),
  rateFaultSchema,
  z.strictObject({ rate: rateFaultSchema.optional(), rules: z.array(faultRuleSchema).optional() }),
]);

/** What `startGcpSimulator({faults})` and `POST /__admin/faults` accept. */
export type FaultScript = z.input<typeof faultScriptSchema>;
type RateFault = z.output<typeof rateFaultSchema>;

/** A scripted fault rule. */
export type FaultRule = z.output<typeof faultRuleSchema>;

/** What the injector decided for one call. */
export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'respond'; httpCode: number }
  | { kind: 'operation-error'; error: { code: number; message: string } };

/**
 * Whether a rule's method pattern names this method id: the full id, its last part
 * (`setIamPolicy`), or a short form keeping the API, the collection and the verb
 * (`container.nodePools.create` names `container.projects.locations.clusters.nodePools.create`).
 */
export function methodMatches(pattern: string, id: string): boolean {
  if (pattern === id || id.endsWith(`.${pattern}`)) return true;
  const want = pattern.split('.');
  const have = id.split('.');
  if (want.length < 3 || want[0] !== have[0]) return false;
  if (want.slice(-2).join('.') !== have.slice(-2).join('.')) return false;
  let next = 0;
  for (const part of have) if (part === want[next]) next += 1;
  return next === want.length;
}

/** mulberry32: small, seeded, good enough to spread faults evenly and reproducibly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, call by call, whether to inject a fault. */
export class FaultInjector {
  private rules: { rule: FaultRule; seen: number; fired: number }[] = [];
  private rate: RateFault | undefined;
  private random: () => number = Math.random;

  constructor(script?: FaultScript) {
    this.set(script);
  }

  /** Replaces the current script; throws a ZodError naming the field when it is malformed. */
  set(script: FaultScript | undefined): void {
    const parsed = script === undefined ? [] : faultScriptSchema.parse(script);
    let rules: FaultRule[] = [];
    let rate: RateFault | undefined;
    if (Array.isArray(parsed)) rules = parsed;
    else if (typeof parsed.rate === 'number') rate = parsed as RateFault;
    else {
      const combined = parsed as { rate?: RateFault; rules?: FaultRule[] };
      rules = combined.rules ?? [];
      rate = combined.rate;
    }
    this.rules = rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
    this.rate = rate;
    this.random = seededRandom(rate?.seed ?? 1);
  }

  /** Decides for one call of `methodId`; `isRead` spares reads from rate faults by default. */
  decide(methodId: string, isRead: boolean): FaultDecision {
    for (const entry of this.rules) {
      if (!methodMatches(entry.rule.method, methodId)) continue;
      entry.seen += 1;
      const { nth, times } = entry.rule;
      const reached = nth === undefined || entry.seen >= nth;
      const limit = times ?? (nth === undefined ? Infinity : 1);
      if (!reached || entry.fired >= limit) continue;
      entry.fired += 1;
      if (entry.rule.respond !== undefined)
        return { kind: 'respond', httpCode: entry.rule.respond };
      if (entry.rule.operationError) {
        return { kind: 'operation-error', error: entry.rule.operationError };
      }
    }
    const rate = this.rate;
    if (rate && (rate.includeReads || !isRead)) {
      const applies = !rate.methods || rate.methods.some((m) => methodMatches(m, methodId));
      if (applies && this.random() < rate.rate) {
        const code = rate.codes[Math.floor(this.random() * rate.codes.length)] ?? 503;
        return { kind: 'respond', httpCode: code };
      }
    }
    return { kind: 'none' };
  }
}
