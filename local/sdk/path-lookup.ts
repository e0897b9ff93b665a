import { delimiter, join } from 'node:path';

/** The first executable file called `name` in the directories of `PATH`, as a shell finds it. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
  executable: (path: string) => boolean,
): string | undefined {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => executable(path));
}
