/**
 * Bundles the web console (console/src, Preact) with esbuild into console/dist: index.html,
 * app.js and app.css, everything the page loads (no CDN at run time). Build output, never
 * committed; `npm start` and `npm test` run it first (`npm run build:console`), the browser tests
 * and the console benchmark call {@link buildConsole} themselves.
 *
 * Usage: tsx console/build.ts [--watch]
 */
import { mkdir, mkdtemp, readdir, rename, rm, copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const CONSOLE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Where the bundle goes unless told: console/dist (what functions/lib/console-static.ts serves). */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');

/** One file of a built bundle and its size. */
export interface BuiltFile {
  name: string;
  bytes: number;
}

function buildOptions(outdir: string): esbuild.BuildOptions {
  return {
    absWorkingDir: CONSOLE_DIR,
    entryPoints: { app: join(CONSOLE_DIR, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    outdir,
    logLevel: 'silent',
  };
}

/**
 * Builds the bundle into `outDir` (default console/dist): into a fresh folder first, then each
 * file moved in, so a functions host serving the folder never reads half a file.
 */
export async function buildConsole(outDir: string = CONSOLE_DIST): Promise<BuiltFile[]> {
  await mkdir(outDir, { recursive: true });
  const staging = await mkdtemp(`${outDir}.staging-`);
  try {
    await esbuild.build(buildOptions(staging));
    await copyFile(join(CONSOLE_DIR, 'index.html'), join(staging, 'index.html'));
    const names = (await readdir(staging)).sort();
    const files: BuiltFile[] = [];
    for (const name of names) {
      files.push({ name, bytes: (await stat(join(staging, name))).size });
      await rename(join(staging, name), join(outDir, name));
    }
    return files;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--watch')) {
    const context = await esbuild.context({ ...buildOptions(CONSOLE_DIST), logLevel: 'info' });
    await copyFile(join(CONSOLE_DIR, 'index.html'), join(CONSOLE_DIST, 'index.html'));
    await context.watch();
    return;
  }
  try {
    const files = await buildConsole();
    const listed = files.map((f) => `${f.name} ${(f.bytes / 1024).toFixed(1)} KiB`).join(', ');
    process.stdout.write(`console built in ${CONSOLE_DIST}: ${listed}\n`);
  } catch (error) {
    // esbuild's failure lists each error with its file and line: no stack trace is needed.
    process.stderr.write(`console build failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
