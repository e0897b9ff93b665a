#!/usr/bin/env node
// Launcher: registers tsx in this process and loads the TypeScript CLI, so `npx egressctl` works
// from a fresh clone without a build step and without a child process to orphan on Ctrl-C.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');
