import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { flattenObjects } from '../../../shared/analysis/object-access.js';

/** test/fixtures/analysis, resolved from this file so tests run from any working directory. */
export const fixturesDir = fileURLToPath(new URL('../../fixtures/analysis/', import.meta.url));

/** Parses multi-document YAML (or JSON) text into Kubernetes objects. */
export function objectsFromText(text: string): KubeObject[] {
  return flattenObjects(parseAllDocuments(text).map((doc) => doc.toJS() as unknown));
}

/** Every .yaml/.yml/.json file under `dir`, recursively, minus netpol-analyzer's own outputs. */
export function inputFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...inputFiles(path));
    else if (/\.(ya?ml|json)$/.test(name) && !/connlist_output|connections_map/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** Reads and parses every input file under `dir`. */
export function objectsFromDir(dir: string): KubeObject[] {
  return inputFiles(dir).flatMap((file) => objectsFromText(readFileSync(file, 'utf8')));
}
