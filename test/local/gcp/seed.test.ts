import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeedError, readSeedFile, startGcpSimulator } from '../../../local/gcp/index.js';
import { loadAndValidateSpecs, loadLocalSeed, loadSpecFiles } from '../../../cli/load-specs.js';
import { formatSpecError } from '../../../shared/spec/index.js';

/**
 * The seed: a `kind: LocalSeed` document beside the specs (examples/tutorial/local-seed.yaml),
 * set aside by the spec loader and given to the GCP simulator.
 */

const dir = mkdtempSync(join(tmpdir(), 'egress-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('LocalSeed documents', () => {
  it('the tutorial example seeds the bucket team-x is granted on, and is not a spec', async () => {
    expect(await readSeedFile('examples/tutorial/local-seed.yaml')).toEqual({
      buckets: [{ name: 'tutorial-project-bucket', project: 'tutorial-project', location: 'US' }],
    });
    const loaded = await loadSpecFiles(['examples/tutorial']);
    expect(loaded.seeds.map((d) => d.source)).toEqual(['examples/tutorial/local-seed.yaml#1']);
    expect(loaded.documents.map((d) => d.source)).not.toContain(
      'examples/tutorial/local-seed.yaml#1',
    );
    expect((await loadAndValidateSpecs(['examples/tutorial'])).ok).toBe(true);
    expect(await loadLocalSeed(['examples/tutorial'])).toEqual({
      buckets: [{ name: 'tutorial-project-bucket', project: 'tutorial-project', location: 'US' }],
    });
    expect(await loadLocalSeed(['examples/tutorial/team-x.yaml'])).toBeUndefined();
  });

  it('a seeded simulator serves the bucket; without the seed it is missing', async () => {
    const seeded = await startGcpSimulator({
      seed: await readSeedFile('examples/tutorial/local-seed.yaml'),
    });
    const bare = await startGcpSimulator();
    try {
      const path = '/storage/v1/b/tutorial-project-bucket';
      expect((await fetch(`${seeded.url}${path}`)).status).toBe(200);
      expect((await fetch(`${bare.url}${path}`)).status).toBe(404);
    } finally {
      await seeded.close();
      await bare.close();
    }
  });

  it('names the file, document, field and rule of a bad seed', async () => {
    const bad = file(
      'bad-seed.yaml',
      [
        'apiVersion: egress.provisioner.dev/v1alpha1',
        'kind: LocalSeed',
        'metadata: {name: x}',
        'spec:',
        '  buckets:',
        '    - {name: UPPER, project: tutorial-project}',
        '    - {name: ok-bucket, project: tutorial-project, colour: red}',
      ].join('\n'),
    );
    const error = await readSeedFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as Error).message).toBe(
      [
        `${bad}#1: spec.buckets.0.name: must be a Cloud Storage bucket name: 3-63 of a-z 0-9 - _ . , starting and ending with a letter or digit, not starting with "goog"`,
        `${bad}#1: spec.buckets.1: Unrecognized key: "colour"`,
      ].join('\n'),
    );
    const validated = await loadAndValidateSpecs([bad]);
    expect(validated.ok).toBe(false);
    expect(validated.ok ? [] : validated.errors.map(formatSpecError)).toContain(
      `${bad}#1: spec.buckets.1: Unrecognized key: "colour" [local-seed]`,
    );
    await expect(loadLocalSeed([bad])).rejects.toThrow(/spec\.buckets\.0\.name: must be/);
    await expect(readSeedFile(join(dir, 'missing.yaml'))).rejects.toThrow(/no such file/);
    const notSeed = file('env.yaml', 'apiVersion: egress.provisioner.dev/v1alpha1\nkind: Tenant\n');
    await expect(readSeedFile(notSeed)).rejects.toThrow(
      /kind: Invalid input: expected "LocalSeed"/,
    );
  });

  it('refuses a seed that contradicts the state: the bucket belongs to another project', async () => {
    const sim = await startGcpSimulator({
      seed: { buckets: [{ name: 'shared-bucket', project: 'project-one' }] },
    });
    try {
      const res = await fetch(`${sim.url}/__admin/seed`, {
        method: 'POST',
        body: JSON.stringify({ buckets: [{ name: 'shared-bucket', project: 'project-two' }] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'Invalid seed: seed: bucket shared-bucket already exists in project project-one, not project-two',
      );
    } finally {
      await sim.close();
    }
  });
});
