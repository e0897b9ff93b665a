import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStepsOnlyDown, runStepsOnlyUp } from '../../../cli/commands/up.js';
import { ExitCode } from '../../../cli/errors.js';

/**
 * Which Environment `up --steps-only` and `down --steps-only` work on: the same picker as every
 * other command (cli/load-specs.ts chooseEnvironment), so the same words for the same mistake.
 * Each case fails before any simulator is contacted (the endpoint given listens nowhere).
 */
describe('egressctl up|down --steps-only: the Environment of the files', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cli-up-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const tutorial = readFileSync('examples/tutorial/environment.yaml', 'utf8');
  writeFileSync(join(directory, 'a.yaml'), tutorial);
  writeFileSync(join(directory, 'b.yaml'), tutorial.replace('name: tutorial', 'name: second'));
  const options = { file: [directory], gcpEndpoint: 'http://127.0.0.1:9' };
  const lines: string[] = [];
  const write = (line: string) => lines.push(line);

  it('several without --environment: invalid input listing them', async () => {
    await expect(runStepsOnlyUp(options, write)).rejects.toMatchObject({
      message:
        'several Environments in the given files (tutorial, second): choose one with --environment',
      exitCode: ExitCode.invalid,
    });
  });

  it('a name that is not in the files: invalid input listing those that are', async () => {
    await expect(runStepsOnlyUp({ ...options, environment: 'nope' }, write)).rejects.toMatchObject({
      message: 'no Environment named "nope" in the given files (found: tutorial, second)',
      exitCode: ExitCode.invalid,
    });
    await expect(runStepsOnlyDown('nope', options, write)).rejects.toMatchObject({
      message: 'no Environment named "nope" in the given files (found: tutorial, second)',
    });
    expect(lines).toEqual([]);
  });
});
