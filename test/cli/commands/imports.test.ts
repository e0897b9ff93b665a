import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const COMMANDS = 'cli/commands';

/**
 * A command file is an entry point, never a library (.dependency-cruiser.cjs refuses a command
 * importing another); index.ts is the one file that registers them all.
 */
describe('cli/commands', () => {
  const files = readdirSync(COMMANDS).filter((name) => name.endsWith('.ts'));

  it('index.ts registers every command file', () => {
    const index = readFileSync(join(COMMANDS, 'index.ts'), 'utf8');
    const registered = files.filter((name) =>
      index.includes(`'./${name.replace(/\.ts$/, '.js')}'`),
    );
    expect(registered.sort()).toEqual(files.filter((name) => name !== 'index.ts').sort());
  });
});
