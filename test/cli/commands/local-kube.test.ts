import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../local/kube/helpers.js';

const directory = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('egressctl local-kube', () => {
  it(
    'serves a simulated cluster, writes its kubeconfig, and saves state on SIGTERM',
    { timeout: 60_000 },
    async () => {
      const kubeconfig = join(directory, 'kubeconfig');
      const stateFile = join(directory, 'state.json');
      // Only this command is loaded (the full CLI imports every client library and is slow to
      // start); node --import tsx, not npx, so the test signals the server process itself.
      const script = [
        "import { Command } from 'commander';",
        "import { registerLocalKubeCommand } from './cli/commands/local-kube.ts';",
        'const program = new Command();',
        'registerLocalKubeCommand(program);',
        "await program.parseAsync(process.argv.slice(1), { from: 'user' });",
      ].join('\n');
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '--eval',
          script,
          '--',
          'local-kube',
          '--kubeconfig',
          kubeconfig,
          '--state-file',
          stateFile,
          '--context',
          'test',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no listening line in: ${output}`)),
            25_000,
          );
          child.stdout.on('data', () => {
            const match = /listening on (http:\/\/\S+)/.exec(output);
            if (match?.[1]) {
              clearTimeout(timer);
              resolve(match[1]);
            }
          });
        });
        const config = parse(readFileSync(kubeconfig, 'utf8')) as Json;
        expect(config['current-context']).toBe('test');
        expect(config.clusters[0].cluster).toEqual({
          server: url,
          'insecure-skip-tls-verify': true,
        });
        const created = await fetch(`${url}/api/v1/namespaces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ metadata: { name: 'from-cli' } }),
        });
        expect(created.status).toBe(201);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(existsSync(stateFile)).toBe(true);
      const names = (JSON.parse(readFileSync(stateFile, 'utf8')) as Json).objects.map(
        (entry: Json) => entry.address.name,
      );
      expect(names).toContain('from-cli');
    },
  );
});
