import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { PermanentError } from '#shared/errors.js';
import {
  RENDERED_FILE_PATTERN,
  desiredObjects,
  renderFiles,
  renderText,
  type RenderFormat,
  type RenderLayout,
} from '#shared/plan/mesh/index.js';
import { CliError } from '../errors.js';
import { outputFormatOption } from '../options.js';
import { chooseEnvironment, loadValidSpecs } from '../load-specs.js';

interface RenderOptions {
  file: string[];
  output: RenderFormat;
  out?: string;
  layout: RenderLayout;
  environment?: string;
}

/**
 * Compiles spec files into the Kubernetes and Istio objects of the mesh-config and tenants
 * steps; returns them as text (stdout) or writes files into `options.out`.
 */
export async function runRender(options: RenderOptions): Promise<string> {
  const { environments, tenants } = await loadValidSpecs(options.file);
  const env = chooseEnvironment(environments, options.environment);
  let objects;
  try {
    objects = desiredObjects(
      env,
      tenants.filter((t) => t.spec.environment === env.metadata.name),
    );
  } catch (err) {
    if (err instanceof PermanentError) throw new CliError(`cannot render: ${err.message}`);
    throw err;
  }
  if (options.out === undefined) return renderText(objects, options.output);

  const files = renderFiles(objects, options.layout, options.output);
  await mkdir(options.out, { recursive: true });
  // Files of objects that no longer exist (an offboarded tenant) must go too, or a GitOps sync
  // would keep them; only names this command writes are touched.
  for (const name of await readdir(options.out)) {
    if (RENDERED_FILE_PATTERN.test(name)) await rm(join(options.out, name));
  }
  for (const file of files) await writeFile(join(options.out, file.name), file.content);
  return `wrote ${files.length} file${files.length === 1 ? '' : 's'} (${objects.length} objects) to ${options.out}\n`;
}

/** `egressctl render -f PATH... [-o yaml|json] [--out DIR] [--layout object|namespace]`. */
export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description(
      'Render the Kubernetes and Istio objects of an environment and its tenants (mesh-config and tenants steps)',
    )
    .requiredOption(
      '-f, --file <paths...>',
      'spec files or directories (YAML, several documents each)',
    )
    .addOption(outputFormatOption(['yaml', 'json'], 'yaml'))
    .option('--out <dir>', 'write files into this directory instead of printing (GitOps-ready)')
    .addOption(
      new Option('--layout <layout>', 'with --out: one file per object or per namespace')
        .choices(['object', 'namespace'])
        .default('object'),
    )
    .option('-e, --environment <name>', 'the Environment to render when the files hold several')
    .action(async (options: RenderOptions) => {
      process.stdout.write(await runRender(options));
    });
}
