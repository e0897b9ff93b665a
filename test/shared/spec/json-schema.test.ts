import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderSchemaFiles } from '../../../cli/commands/schema.js';

const root = join(import.meta.dirname, '../../..');

describe('schema/*.schema.json', () => {
  it('are up to date with the zod schemas (run `egressctl schema` when this fails)', async () => {
    const files = await renderSchemaFiles();
    expect(files.map((f) => f.name)).toEqual(['environment.schema.json', 'tenant.schema.json']);
    for (const { name, text } of files) {
      expect(readFileSync(join(root, 'schema', name), 'utf8'), name).toBe(text);
    }
  });

  it('accept the tutorial example and reject an unknown field, as an editor would', async () => {
    const ajv = new Ajv2020.default({ strict: false });
    const schemas = Object.fromEntries(
      (await renderSchemaFiles()).map(({ name, text }) => [name, JSON.parse(text) as object]),
    );
    const example = (name: string) =>
      parse(readFileSync(join(root, 'examples/tutorial', `${name}.yaml`), 'utf8')) as {
        spec: Record<string, unknown>;
      };
    const environment = ajv.compile(schemas['environment.schema.json']!);
    const tenant = ajv.compile(schemas['tenant.schema.json']!);
    expect(environment(example('environment')), ajv.errorsText(environment.errors)).toBe(true);
    expect(tenant(example('team-x')), ajv.errorsText(tenant.errors)).toBe(true);
    expect(tenant(example('team-y')), ajv.errorsText(tenant.errors)).toBe(true);

    const misspelt = example('environment');
    misspelt.spec.subnet = { cidrs: '10.0.0.0/24' };
    expect(environment(misspelt)).toBe(false);
    // The host rule is a refinement in zod; its pattern reaches editors through .meta().
    const bad = example('team-y');
    bad.spec.egress = [{ host: 'api.*.example.com' }];
    expect(tenant(bad)).toBe(false);
  });
});
