import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/errors.js';
import { parseParts, stopStack } from '../../cli/stack.js';

describe('the local stack from the CLI', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cli-stack-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('--only: known parts, in the order given', () => {
    expect(parseParts('kube, gcp')).toEqual(['kube', 'gcp']);
    expect(() => parseParts('gcp,mainframe')).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^--only must list parts among .*; unknown: mainframe$/),
        exitCode: ExitCode.usage,
      }),
    );
    expect(() => parseParts(' , ')).toThrow(/unknown: \(none given\)/);
  });

  it('stopping a state dir where no stack runs says so', async () => {
    expect(await stopStack(stateDir)).toBe(`no local stack runs with state dir ${stateDir}`);
  });
});
