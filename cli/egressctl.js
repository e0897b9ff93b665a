#!/usr/bin/env node
// Launcher of `egressctl`. Installed from the package (`npm pack`, `npm install -g`), it runs the
// compiled JavaScript in dist/ with plain node: no TypeScript sources ship, and no transpiler
// starts with every command. In a clone (cli/index.ts beside this file) it registers tsx in this
// process and loads the TypeScript CLI, so `npx egressctl` works without a build step and
// without a child process to orphan on Ctrl-C.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./index.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./index.ts');
} else {
  await import('../dist/cli/index.js');
}
