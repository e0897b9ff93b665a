import type { FirewallRule } from '../shared/analysis/index.js';
import { compilationProblems } from '../shared/plan/mesh/index.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  formatSpecError,
  validateDocuments,
  type Environment,
  type RawDocument,
  type SpecError,
  type SpecSet,
  type ValidationResult,
} from '../shared/spec/index.js';
import { CliError, ExitCode, invalidInput } from './errors.js';
import {
  SeedError,
  isLocalSeedDocument,
  mergeSeeds,
  parseSeedDocument,
  type SimSeed,
} from '../local/gcp/seed.js';

/** File extensions picked up when a directory is given. */
export const SPEC_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** What `loadSpecFiles` read: documents to validate, and syntax errors found on the way. */
export interface LoadedSpecs {
  /** Every non-empty document, sourced `FILE#N` (N counts the file's documents from 1). */
  documents: RawDocument[];
  /** YAML/JSON syntax errors, with line and column in `path`. */
  errors: SpecError[];
  /** The files read, in order. */
  files: string[];
  /**
   * `kind: LocalSeed` documents (local/gcp/seed.ts): what the local GCP simulator starts with.
   * They are not specs, so they are set aside here and never validated or sent as specs.
   */
  seeds: RawDocument[];
}

/**
 * Reads spec files and directories (recursively: *.yaml, *.yml, *.json, sorted by name; a file
 * named explicitly is read whatever its extension). A file may hold several YAML documents.
 * Syntax errors come back as SpecErrors, not exceptions; a missing path is a CliError.
 */
export async function loadSpecFiles(paths: ReadonlyArray<string>): Promise<LoadedSpecs> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await expandPath(path)));
  const documents: RawDocument[] = [];
  const seeds: RawDocument[] = [];
  const errors: SpecError[] = [];
  for (const file of files) {
    const parsed = parseSpecText(file, await readFile(file, 'utf8'));
    for (const document of parsed.documents) {
      (isLocalSeedDocument(document.doc) ? seeds : documents).push(document);
    }
    errors.push(...parsed.errors);
  }
  return { documents, errors, files, seeds };
}

/** Validates the seed documents found among spec files; one SpecError per problem. */
export function seedProblems(seeds: ReadonlyArray<RawDocument>): SpecError[] {
  const errors: SpecError[] = [];
  for (const { source, doc } of seeds) {
    try {
      parseSeedDocument(doc, source);
    } catch (error) {
      if (!(error instanceof SeedError)) throw error;
      for (const issue of error.issues) {
        errors.push({ source, path: issue.path, rule: 'local-seed', message: issue.message });
      }
    }
  }
  return errors;
}

/**
 * The local GCP simulator's seed from the `kind: LocalSeed` documents among spec paths (all of
 * them merged), or undefined when there is none. An invalid one is a CliError naming the field.
 */
export async function loadLocalSeed(paths: ReadonlyArray<string>): Promise<SimSeed | undefined> {
  const { seeds } = await loadSpecFiles(paths);
  if (seeds.length === 0) return undefined;
  const problems = seedProblems(seeds);
  if (problems.length > 0) throw new CliError(problems.map(formatSpecError).join('\n'));
  return mergeSeeds(seeds.map(({ source, doc }) => parseSeedDocument(doc, source)));
}

/**
 * Loads and validates in one call (what most commands want). Syntax errors and validation
 * errors come back together, so one run shows every problem.
 */
export async function loadAndValidateSpecs(
  paths: ReadonlyArray<string>,
): Promise<ValidationResult> {
  const loaded = await loadSpecFiles(paths);
  const result = validateDocuments(loaded.documents);
  const problems = [
    ...seedProblems(loaded.seeds),
    ...(result.ok ? compilationProblems(result.specs) : []),
  ];
  if (loaded.errors.length === 0 && problems.length === 0) return result;
  return {
    ok: false,
    errors: [...loaded.errors, ...problems, ...(result.ok ? [] : result.errors)],
  };
}

/** {@link loadAndValidateSpecs} for commands that need a valid set: any problem is a CliError. */
export async function loadValidSpecs(paths: ReadonlyArray<string>): Promise<SpecSet> {
  const result = await loadAndValidateSpecs(paths);
  if (!result.ok) throw invalidInput(result.errors.map(formatSpecError));
  return result.specs;
}

/** Splits one file's text into documents; pure, so tests can feed it text directly. */
export function parseSpecText(
  file: string,
  text: string,
): { documents: RawDocument[]; errors: SpecError[] } {
  const documents: RawDocument[] = [];
  const errors: SpecError[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    const source = `${file}#${index + 1}`;
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const position = error.linePos?.[0];
        errors.push({
          source,
          path: position ? `line ${position.line}, column ${position.col}` : '',
          rule: 'yaml-syntax',
          // The library appends "at line N, column M:" and a code excerpt; we give the position.
          message: error.message.split(' at line ')[0] ?? error.message,
        });
      }
      return;
    }
    const doc: unknown = document.toJS();
    if (doc === null || doc === undefined) return; // an empty document, e.g. after a final ---
    documents.push({ source, doc });
  });
  return { documents, errors };
}

async function expandPath(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new CliError(`egressctl: ${path}: no such file or directory`);
  }
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Hidden folders and dependencies are never specs (.git, node_modules).
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) found.push(...(await expandPath(child)));
    else if ((SPEC_FILE_EXTENSIONS as readonly string[]).includes(extname(entry.name))) {
      found.push(child);
    }
  }
  return found;
}

/**
 * Reads `--firewalls FILE`: a YAML list (or `{items: [...]}`, as the compute API lists them) of
 * compute Firewall bodies. A missing file is a CliError; bad YAML or a rule without a name, with
 * an unknown direction or an out-of-range priority is invalid input naming the entry and field.
 */
export async function loadFirewallFile(path: string): Promise<FirewallRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`egressctl: ${path}: no such file or directory`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalidInput([
      `${path}: not YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    ]);
  }
  const list = Array.isArray(doc)
    ? doc
    : Array.isArray((doc as { items?: unknown })?.items)
      ? (doc as { items: unknown[] }).items
      : undefined;
  if (!list) throw invalidInput([`${path}: expected a YAML list of compute Firewall bodies`]);
  const problems: string[] = [];
  list.forEach((rule, index) => {
    const r = rule as Partial<FirewallRule> | null;
    if (!r || typeof r !== 'object') problems.push(`${path}[${index}]: not an object`);
    else if (typeof r.name !== 'string') problems.push(`${path}[${index}].name: required string`);
    else if (r.direction !== undefined && r.direction !== 'EGRESS' && r.direction !== 'INGRESS') {
      problems.push(`${path}[${index}].direction: must be EGRESS or INGRESS`);
    } else if (
      r.priority !== undefined &&
      (typeof r.priority !== 'number' || r.priority < 0 || r.priority > 65535)
    ) {
      problems.push(`${path}[${index}].priority: must be a number 0..65535`);
    }
  });
  if (problems.length) throw invalidInput(problems);
  return list as FirewallRule[];
}

/**
 * The Environment a command works on: the one named `--environment`, else the only one in the
 * files. None, or several without a name, is invalid input listing the names found.
 */
export function chooseEnvironment(
  environments: readonly Environment[],
  name: string | undefined,
): Environment {
  const candidates = name ? environments.filter((e) => e.metadata.name === name) : environments;
  if (candidates.length !== 1) {
    const names = environments.map((e) => e.metadata.name).join(', ') || 'none';
    throw new CliError(
      candidates.length === 0
        ? `no Environment${name ? ` named "${name}"` : ''} in the given files (found: ${names})`
        : `several Environments in the given files (${names}): choose one with --environment`,
      ExitCode.invalid,
    );
  }
  return candidates[0]!;
}
