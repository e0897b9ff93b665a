import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { isPlainObject } from '../../shared/lib/json.js';
import { GoogleApiError } from './api-error.js';
import { createBucket, isValidBucketName } from './services/storage.js';
import type { SimStore } from './store.js';

/**
 * The simulator's seed: resources that exist before the product runs, because in the tutorial
 * the user makes them by hand (`gsutil mb gs://${PROJECT_ID}-bucket`) and the product only
 * refers to them. Seeding is idempotent: it creates what is missing and never replaces or
 * removes anything, so it may be applied to a running or persisted simulator again.
 *
 * On disk a seed is a YAML document of kind `LocalSeed` (examples/tutorial/local-seed.yaml):
 * `egressctl up --target local` sets such documents in its `-f` paths aside from the specs and
 * hands them to the local stack; `egressctl local up --seed FILE` reads one explicitly.
 */

/** apiVersion of a seed document (the specs' own group: it sits beside them in examples/). */
export const LOCAL_SEED_API_VERSION = 'egress.provisioner.dev/v1alpha1';
/** kind of a seed document. */
export const LOCAL_SEED_KIND = 'LocalSeed';

const SeedBucketSchema = z
  .object({
    name: z.string().refine(isValidBucketName, {
      message:
        'must be a Cloud Storage bucket name: 3-63 of a-z 0-9 - _ . , starting and ending with a letter or digit, not starting with "goog"',
    }),
    project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, {
      message: 'must be a project id: 6-30 of a-z 0-9 -, starting with a letter',
    }),
    location: z.string().min(1).optional(),
  })
  .strict();

/** What a seed may hold. */
export const SimSeedSchema = z
  .object({
    buckets: z.array(SeedBucketSchema).default([]),
  })
  .strict();

/** Resources the simulator starts with. */
export type SimSeed = z.input<typeof SimSeedSchema>;

const LocalSeedDocumentSchema = z
  .object({
    apiVersion: z.literal(LOCAL_SEED_API_VERSION),
    kind: z.literal(LOCAL_SEED_KIND),
    metadata: z.object({ name: z.string().min(1) }).strict(),
    spec: SimSeedSchema,
  })
  .strict();

/** One problem of a seed: where (source document, field path) and what rule it breaks. */
export interface SeedIssue {
  source: string;
  /** Dotted field path (`spec.buckets.0.name`); empty for the whole document. */
  path: string;
  message: string;
}

/** A seed that failed validation; its message lists every issue as `SOURCE: PATH: RULE`. */
export class SeedError extends Error {
  override readonly name = 'SeedError';
  constructor(
    message: string,
    readonly issues: SeedIssue[] = [],
  ) {
    super(message);
  }
}

function issuesError(error: z.ZodError, source: string): SeedError {
  const issues = error.issues.map((issue) => ({
    source,
    path: issue.path.join('.'),
    message: issue.message,
  }));
  return new SeedError(
    issues.map((i) => `${i.source}: ${i.path || '(document)'}: ${i.message}`).join('\n'),
    issues,
  );
}

/** Whether a parsed YAML document is a seed (by kind), so spec loaders can set it aside. */
export function isLocalSeedDocument(doc: unknown): boolean {
  return isPlainObject(doc) && doc.kind === LOCAL_SEED_KIND;
}

/** Validates a plain seed (`{buckets: [...]}`); throws {@link SeedError}. */
export function parseSeed(value: unknown, source = 'seed'): SimSeed {
  const parsed = SimSeedSchema.safeParse(value);
  if (!parsed.success) throw issuesError(parsed.error, source);
  return parsed.data;
}

/** Validates a `kind: LocalSeed` document and returns its seed; throws {@link SeedError}. */
export function parseSeedDocument(doc: unknown, source = 'seed'): SimSeed {
  const parsed = LocalSeedDocumentSchema.safeParse(doc);
  if (!parsed.success) throw issuesError(parsed.error, source);
  return parsed.data.spec;
}

/** One seed holding every resource of several (a bucket named twice is kept once). */
export function mergeSeeds(seeds: readonly SimSeed[]): SimSeed {
  const buckets = new Map<string, NonNullable<SimSeed['buckets']>[number]>();
  for (const seed of seeds)
    for (const bucket of seed.buckets ?? []) buckets.set(bucket.name, bucket);
  return { buckets: [...buckets.values()] };
}

/**
 * Reads a seed file: YAML or JSON, one or more `kind: LocalSeed` documents (merged). Throws
 * {@link SeedError} naming the file, document, field and rule.
 */
export async function readSeedFile(path: string): Promise<SimSeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SeedError(`${path}: no such file`);
  }
  const seeds: SimSeed[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    const source = `${path}#${index + 1}`;
    if (document.errors.length > 0) {
      throw new SeedError(`${source}: not YAML: ${document.errors[0]?.message.split('\n')[0]}`);
    }
    const doc: unknown = document.toJS();
    if (doc === null || doc === undefined) return;
    seeds.push(parseSeedDocument(doc, source));
  });
  if (seeds.length === 0) throw new SeedError(`${path}: holds no ${LOCAL_SEED_KIND} document`);
  return mergeSeeds(seeds);
}

/**
 * Creates every resource of the seed the store lacks; returns the names created. A bucket that
 * exists in another project is a {@link SeedError}: the seed contradicts the state.
 */
export function applySeed(store: SimStore, seed: SimSeed): string[] {
  const created: string[] = [];
  for (const bucket of parseSeed(seed).buckets ?? []) {
    const existing = store.get('storage.buckets', bucket.name);
    if (existing) {
      if (existing.__project !== bucket.project) {
        throw new SeedError(
          `seed: bucket ${bucket.name} already exists in project ${String(existing.__project)}, not ${bucket.project}`,
        );
      }
      continue;
    }
    try {
      createBucket(store, bucket);
    } catch (error) {
      if (error instanceof GoogleApiError) throw new SeedError(`seed: ${error.message}`);
      throw error;
    }
    created.push(`bucket ${bucket.name}`);
  }
  return created;
}
