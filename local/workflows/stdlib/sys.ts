import { randomUUID } from 'node:crypto';
import { fn, str, type StdlibEntries } from './arguments.js';

/** uuid.generate, sys.now and sys.get_env (https://cloud.google.com/workflows/docs/reference/stdlib/sys). */
export const SYS_FUNCTIONS: StdlibEntries = [
  ['uuid.generate', fn([], 0, () => randomUUID())],
  ['sys.now', fn([], 0, (_a, env) => env.nowMs() / 1000)],
  [
    'sys.get_env',
    fn(
      ['name', 'default'],
      1,
      // TypeError "if either name or default is not a string" (stdlib/sys/get_env); an unset
      // variable without a default is null.
      ([n, d], env) =>
        env.getEnv(str('sys.get_env', 'name', n)) ??
        (d === undefined ? null : str('sys.get_env', 'default', d)),
    ),
  ],
];
