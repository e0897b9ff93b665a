import { z } from 'zod';
import { EnvironmentSchema } from './environment.js';
import { TenantSchema } from './tenant.js';

/** File name → JSON Schema of a spec document, for editors (yaml-language-server, VS Code). */
export type SpecJsonSchemas = Record<'environment.schema.json' | 'tenant.schema.json', object>;

/**
 * JSON Schemas of the Environment and Tenant documents, from the zod schemas' INPUT side: a
 * field with a default is optional there, as it is for the person writing the YAML.
 */
export function specJsonSchemas(): SpecJsonSchemas {
  return {
    'environment.schema.json': withTitle(
      z.toJSONSchema(EnvironmentSchema, { io: 'input' }),
      'Environment',
      'An Environment of egress-provisioner: everything the tutorial builds before the first tenant.',
    ),
    'tenant.schema.json': withTitle(
      z.toJSONSchema(TenantSchema, { io: 'input' }),
      'Tenant',
      'A Tenant of egress-provisioner: one team, its namespace and its egress allowlist.',
    ),
  };
}

/** The files' text: two-space JSON with a final newline, so a regenerated file diffs cleanly. */
export function renderJsonSchema(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function withTitle(schema: object, title: string, description: string): object {
  const { $schema, ...rest } = schema as { $schema?: string };
  return { $schema, title, description, ...rest };
}
