import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderJsonSchema, specJsonSchemas } from '#shared/spec/index.js';
import { CliError } from '../errors.js';

/**
 * The committed files' text: JSON formatted by the repo's prettier settings, so `prettier
 * --check .` and `egressctl schema --check` agree. Without prettier (an install without dev
 * dependencies), plain two-space JSON.
 */
export async function renderSchemaFiles(): Promise<Array<{ name: string; text: string }>> {
  const prettier = await import('prettier').catch(() => undefined);
  const files: Array<{ name: string; text: string }> = [];
  for (const [name, schema] of Object.entries(specJsonSchemas())) {
    const text = renderJsonSchema(schema);
    files.push({
      name,
      text: prettier
        ? await prettier.format(text, {
            ...(await prettier.resolveConfig(name)),
            filepath: name,
          })
        : text,
    });
  }
  return files;
}

/**
 * `egressctl schema [--out DIR] [--check]`: writes the JSON Schemas of the spec documents for
 * editors; `--check` fails when the files in DIR differ from what the code generates.
 */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('Write environment.schema.json and tenant.schema.json (JSON Schema for editors).')
    .option('--out <dir>', 'directory to write to', 'schema')
    .option('--check', 'do not write; exit 1 if the files in --out are missing or out of date')
    .action(async (options: { out: string; check?: boolean }) => {
      const files = await renderSchemaFiles();
      if (options.check) {
        const stale: string[] = [];
        for (const { name, text } of files) {
          const path = join(options.out, name);
          const current = await readFile(path, 'utf8').catch(() => undefined);
          if (current !== text) stale.push(path);
        }
        if (stale.length > 0) {
          throw new CliError(
            `egressctl: out of date: ${stale.join(', ')}; run egressctl schema --out ${options.out}`,
          );
        }
        process.stdout.write(`${files.length} schemas up to date in ${options.out}\n`);
        return;
      }
      await mkdir(options.out, { recursive: true });
      for (const { name, text } of files) {
        const path = join(options.out, name);
        await writeFile(path, text);
        process.stdout.write(`wrote ${path}\n`);
      }
    });
}
