#!/usr/bin/env node
// `npm run build` (and `npm pack`, through prepack): the compiled tree dist/ that the installed
// egressctl, the deployed functions and the cold-start benchmark run, without tsx.
//
// 1. dist/ from scratch: a file left from a deleted source must not ship;
// 2. `tsc -p tsconfig.build.json` (shared, functions, local, cli, deploy → dist/);
// 3. the data files the compiled modules read beside themselves (`new URL('./schemas/...',
//    import.meta.url)`: API discovery documents, CRDs, IAM data) and their SOURCE.md and
//    licences; the workflows (local/executions reads the top-level workflows folder, two levels
//    up); the web console's bundle (functions/lib/console-static.ts reads console/dist, two
//    levels up);
// 4. dist/package.json: ES modules, and `#shared/*` mapped to the compiled dist/shared/. Node
//    resolves a package import from the nearest package.json, so the compiled files under dist/
//    use this one and the sources (under tsx) keep the root's, which maps to ./shared.
import { spawnSync } from 'node:child_process';
import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
/** The folders tsconfig.build.json compiles: their data files go beside the compiled modules. */
const COMPILED_FOLDERS = ['shared', 'functions', 'local', 'cli', 'deploy'];
/** Data a module reads at run time, and what says where it comes from and under which licence. */
const DATA_FILE = /(\.(json|ya?ml)|^LICENSE.*|^SOURCE\.md)$/;

async function dataFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return dataFiles(path);
      return DATA_FILE.test(entry.name) ? [path] : [];
    }),
  );
  return nested.flat();
}

await rm(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

for (const folder of COMPILED_FOLDERS) {
  for (const file of await dataFiles(join(root, folder))) {
    await cp(file, join(dist, relative(root, file)));
  }
}
await cp(join(root, 'workflows'), join(dist, 'workflows'), {
  recursive: true,
  filter: (source) => !source.endsWith('.md'),
});
if (existsSync(join(root, 'console', 'dist'))) {
  await cp(join(root, 'console', 'dist'), join(dist, 'console', 'dist'), { recursive: true });
}
await writeFile(
  join(dist, 'package.json'),
  `${JSON.stringify({ type: 'module', imports: { '#shared/*': './shared/*' } }, null, 2)}\n`,
);
