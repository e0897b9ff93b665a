import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMMANDS,
  commandLines,
  runCommandStart,
  summarize,
  timeProcess,
} from '../../bench/command-start.js';

describe('command-start benchmark (bench/command-start.ts)', () => {
  it('reports medians and the ratios against bare node and tsx', () => {
    expect(
      summarize('egressctl --help', {
        compiled: [300, 200, 400],
        tsx: [900, 1000, 800],
        node: [50, 40, 60],
      }),
    ).toEqual({
      command: 'egressctl --help',
      compiledMs: 300,
      tsxMs: 900,
      nodeMs: 50,
      compiledOverNode: 6,
      tsxOverNode: 18,
      compiledOverTsx: 0.33,
      runs: 3,
    });
  });

  it('runs the compiled CLI with plain node, the clone’s launcher (tsx), and node -e 0', () => {
    const validate = COMMANDS.find((c) => c.args[0] === 'validate')!;
    const lines = commandLines('/x/dist', validate);
    expect(lines).toEqual({
      compiled: ['/x/dist/cli/index.js', 'validate', '-f', 'examples/tutorial'],
      tsx: ['cli/egressctl.js', 'validate', '-f', 'examples/tutorial'],
      node: ['-e', '0'],
    });
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'egressctl --help',
      'egressctl validate -f examples/tutorial',
    ]);
  });

  it('times a fresh process, and refuses one that fails', async () => {
    expect(await timeProcess(['-e', '0'])).toBeGreaterThan(0);
    await expect(timeProcess(['-e', 'process.exit(3)'])).rejects.toThrow('exited 3');
  });

  it('says to build first when the compiled tree is missing', async () => {
    const dist = join(import.meta.dirname, 'no-such-dist');
    await expect(runCommandStart({ runs: 1, dist })).rejects.toThrow(
      `${join(dist, 'cli/index.js')} is missing: run \`npm run build\` first`,
    );
  });
});
