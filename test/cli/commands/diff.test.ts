import { describe, expect, it } from 'vitest';
import { CliProcess } from '../cli-process.js';

/**
 * `egressctl diff`'s usage: ENV (the stored specs against the live environment) or -f FILES,
 * never both and never neither; each refusal names what to give and exits 2 before reading
 * anything. The comparisons themselves run against the local stack in test/e2e/provision.test.ts.
 */

async function egressctl(...args: string[]): Promise<{ code: number | null; output: string }> {
  const cli = new CliProcess(args);
  return { code: await cli.exited, output: cli.output };
}

describe('egressctl diff usage', () => {
  it('needs an environment or files', async () => {
    const neither = await egressctl('diff', '--api-url', 'http://127.0.0.1:9');
    expect(neither.code).toBe(2);
    expect(neither.output).toContain('diff needs an environment (egressctl diff ENV) or -f FILES');
    expect(neither.output).not.toMatch(/\n\s+at /);
  });

  it('refuses an environment and files at once', async () => {
    const both = await egressctl('diff', 'tutorial', '-f', 'examples/tutorial');
    expect(both.code).toBe(2);
    expect(both.output).toContain(
      'give either ENV (its stored specs) or -f FILES (with --env ENV), not both',
    );
  });
});
