import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('egressctl workflows run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wf-cli-'));
  const ok = join(dir, 'ok.yaml');
  writeFileSync(
    ok,
    "main:\n  params: [args]\n  steps:\n    - r:\n        return: '${args.a * 2}'\n",
  );
  const failing = join(dir, 'fail.yaml');
  writeFileSync(failing, '- r:\n    raise:\n      message: nope\n');

  it('prints the result JSON and exits 0; prints the error and exits 1 on failure', async () => {
    const good = await run('npx', [
      'tsx',
      'cli/index.ts',
      'workflows',
      'run',
      ok,
      '--data',
      '{"a": 21}',
    ]);
    expect(JSON.parse(good.stdout)).toBe(42);
    const bad = await run('npx', ['tsx', 'cli/index.ts', 'workflows', 'run', failing]).catch(
      (e) => e,
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toEqual({ message: 'nope' });
    // Two CLI start-ups: cli/index.ts loads every command's dependencies eagerly (about 11 s of
    // CPU, 40 s wall on the shared machine), so the default budget is too small.
  }, 120_000);
});
