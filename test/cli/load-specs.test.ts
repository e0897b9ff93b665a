import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../cli/errors.js';
import { loadAndValidateSpecs, loadSpecFiles } from '../../cli/load-specs.js';

const ENVIRONMENT = `apiVersion: egress.provisioner.dev/v1alpha1
kind: Environment
metadata:
  name: tutorial
spec:
  project: tutorial-project
  region: us-central1
  zone: us-central1-a
`;
const tenant = (name: string) => `apiVersion: egress.provisioner.dev/v1alpha1
kind: Tenant
metadata:
  name: ${name}
spec:
  environment: tutorial
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'load-specs-'));
  mkdirSync(join(dir, 'tenants/nested'), { recursive: true });
  mkdirSync(join(dir, '.hidden'));
  writeFileSync(join(dir, 'environment.yaml'), `# leading comment\n${ENVIRONMENT}---\n`);
  writeFileSync(
    join(dir, 'tenants/b.yml'),
    `${tenant('team-b')}---\n# nothing here\n---\n${tenant('team-c')}`,
  );
  writeFileSync(
    join(dir, 'tenants/nested/a.json'),
    JSON.stringify({
      apiVersion: 'egress.provisioner.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'team-a' },
      spec: { environment: 'tutorial' },
    }),
  );
  writeFileSync(join(dir, 'tenants/notes.txt'), 'not a spec');
  writeFileSync(join(dir, '.hidden/x.yaml'), 'kind: Nonsense');
  writeFileSync(
    join(dir, 'broken.yaml'),
    `${tenant('team-d')}  egress: [\n---\n${tenant('team-e')}`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadSpecFiles', () => {
  it('walks directories in name order, numbers documents per file, skips empty ones', async () => {
    const loaded = await loadSpecFiles([join(dir, 'tenants'), join(dir, 'environment.yaml')]);
    expect(loaded.errors).toEqual([]);
    expect(loaded.documents.map((d) => d.source?.slice(dir.length + 1))).toEqual([
      'tenants/b.yml#1',
      'tenants/b.yml#3',
      'tenants/nested/a.json#1',
      'environment.yaml#1',
    ]);
    expect(loaded.documents[2]?.doc).toMatchObject({ metadata: { name: 'team-a' } });
  });

  it('turns YAML syntax errors into SpecErrors with line and column, keeping the other documents', async () => {
    const loaded = await loadSpecFiles([join(dir, 'broken.yaml')]);
    expect(loaded.errors).toEqual([
      {
        source: `${join(dir, 'broken.yaml')}#1`,
        path: 'line 8, column 1', // where the parser meets the document end
        rule: 'yaml-syntax',
        message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ]);
    expect(loaded.documents.map((d) => d.source)).toEqual([`${join(dir, 'broken.yaml')}#2`]);
  });

  it('reports a missing path as a CliError naming it', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(loadSpecFiles([missing])).rejects.toThrow(CliError);
    await expect(loadSpecFiles([missing])).rejects.toThrow(`${missing}: no such file or directory`);
  });
});

describe('loadAndValidateSpecs', () => {
  it('validates the loaded set as a whole', async () => {
    const result = await loadAndValidateSpecs([
      join(dir, 'environment.yaml'),
      join(dir, 'tenants'),
    ]);
    expect(result.ok ? result.specs.tenants.map((t) => t.metadata.name) : result.errors).toEqual([
      'team-b',
      'team-c',
      'team-a',
    ]);
  });

  it('returns syntax and validation errors together', async () => {
    const result = await loadAndValidateSpecs([
      join(dir, 'broken.yaml'),
      join(dir, 'environment.yaml'),
    ]);
    expect(result.ok ? [] : result.errors.map((e) => e.rule)).toEqual(['yaml-syntax']);
  });
});
