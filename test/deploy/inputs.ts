/** Reads the real inputs of the coverage check: functions/index.ts, workflows/, infra/, cloudbuild.yaml. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { deployActions } from '../../deploy/actions.js';
import type { CoverageInput } from '../../deploy/coverage.js';
import { parseHcl } from '../../deploy/hcl.js';
import { deploymentPlan } from '../../deploy/manifest.js';

/** The repository root (tests run from it). */
export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The public methods of the shared/gcp adapters, read from their source with the TypeScript
 * parser: `Class.method` of each class that implements an API interface, and
 * `fn.method` for the methods of the object literal an exported function returns (the Workload
 * Identity adapter; option builders return values, not methods).
 */
export async function adapterMethodsOf(dir = join(ROOT, 'shared', 'gcp')): Promise<string[]> {
  const methods: string[] = [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    methods.push(...adapterMethodsInSource(file, text));
  }
  return methods.sort();
}

/** {@link adapterMethodsOf} for one file's text. */
export function adapterMethodsInSource(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const isHidden = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some(
      (m) =>
        m.kind === ts.SyntaxKind.PrivateKeyword ||
        m.kind === ts.SyntaxKind.ProtectedKeyword ||
        m.kind === ts.SyntaxKind.StaticKeyword,
    );
  // A method written as an arrow or function property is a call like any other: were it
  // skipped, a new adapter call could miss its permission entry without the check noticing.
  const isMethodLike = (node: ts.Node) =>
    ts.isMethodDeclaration(node) ||
    ((ts.isPropertyDeclaration(node) || ts.isPropertyAssignment(node)) &&
      node.initializer !== undefined &&
      (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer)));
  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name) {
      const implementsApi = (statement.heritageClauses ?? []).some(
        (h) => h.token === ts.SyntaxKind.ImplementsKeyword,
      );
      if (!implementsApi) continue;
      for (const member of statement.members) {
        const name = member.name;
        if (isMethodLike(member) && !isHidden(member) && name && ts.isIdentifier(name)) {
          found.push(`${statement.name.text}.${name.text}`);
        }
      }
    }
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      const exported = (ts.getModifiers(statement) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.ExportKeyword,
      );
      if (!exported) continue;
      for (const inner of statement.body.statements) {
        if (!ts.isReturnStatement(inner) || !inner.expression) continue;
        if (!ts.isObjectLiteralExpression(inner.expression)) continue;
        for (const property of inner.expression.properties) {
          const name = property.name;
          if (isMethodLike(property) && name && ts.isIdentifier(name)) {
            found.push(`${statement.name.text}.${name.text}`);
          }
        }
      }
    }
  }
  return found;
}

/** The coverage inputs as the repository has them now. */
export async function loadCoverageInput(): Promise<CoverageInput> {
  const { HTTP_FUNCTIONS, CLOUD_EVENT_FUNCTIONS } = await import('../../functions/index.js');
  const plan = deploymentPlan({
    project: 'coverage-project',
    region: 'us-central1',
    projectNumber: '123456789',
  });
  const workflowFiles = await readdir(join(ROOT, 'workflows')).catch(() => [] as string[]);
  const tfFiles = (await readdir(join(ROOT, 'infra'))).filter((f) => f.endsWith('.tf')).sort();
  const terraform = await Promise.all(
    tfFiles.map(async (f) => {
      const text = await readFile(join(ROOT, 'infra', f), 'utf8');
      return { file: `infra/${f}`, text, blocks: await parseHcl(text, `infra/${f}`) };
    }),
  );
  const workflows = await Promise.all(
    workflowFiles
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map(async (file) => ({
        file,
        parsed: parse(await readFile(join(ROOT, 'workflows', file), 'utf8')) as unknown,
      })),
  );
  const cloudbuildText = await readFile(join(ROOT, 'cloudbuild.yaml'), 'utf8');
  return {
    plan,
    actions: deployActions(plan),
    exported: { http: Object.keys(HTTP_FUNCTIONS), cloudEvent: Object.keys(CLOUD_EVENT_FUNCTIONS) },
    workflowFiles,
    workflows,
    terraform,
    cloudbuild: { parsed: parse(cloudbuildText) as unknown, text: cloudbuildText },
    adapterMethods: await adapterMethodsOf(),
  };
}
