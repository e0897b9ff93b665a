import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../cli-process.js';

/**
 * `egressctl local up` with parts that serve nothing in its own process (`--only functions`:
 * the emulators and the functions host are child processes) run as a script would run it, in
 * the background with no terminal: it must stay up until a signal, not end once "Ready" is
 * printed (Node's exit code 13, an unsettled top-level await) and take the stack down.
 */
describe('egressctl local up --only functions', { timeout: 180_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cli-local-up-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('serves until SIGTERM, then stops the stack and exits 0', async () => {
    const cli = new CliProcess([
      'local',
      'up',
      '--only',
      'functions',
      '--time-scale',
      '0',
      '--state-dir',
      stateDir,
    ]);
    try {
      await cli.waitFor(/Ctrl-C stops everything\./);
      const [, api] = await cli.waitFor(/export EGRESS_API_URL=(\S+)/);
      // The defect ended the process right after "Ready": give it the time to show.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(cli.running, cli.output).toBe(true);
      expect((await fetch(`${api}/v1/environments/none`)).status).toBe(404);

      cli.signal('SIGTERM');
      expect(await cli.exited, cli.output).toBe(0);
      expect(cli.output).toContain('local stack stopped');
    } finally {
      cli.signal('SIGKILL');
    }
  });
});
