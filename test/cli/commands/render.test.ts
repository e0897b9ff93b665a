import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerRenderCommand, runRender } from '../../../cli/commands/render.js';
import { CliError } from '../../../cli/errors.js';
import { fixturePath, repoPath } from '../../shared/plan/mesh/tutorial.js';

const examples = repoPath('examples/tutorial');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'egressctl-render-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { output: 'yaml' as const, layout: 'object' as const };

describe('egressctl render', () => {
  it('prints the golden YAML stream for examples/tutorial', async () => {
    const text = await runRender({ ...base, file: [examples] });
    expect(text).toBe(await readFile(fixturePath('golden/tutorial.yaml'), 'utf8'));
  });

  it('prints a kubectl List with -o json', async () => {
    const list = JSON.parse(await runRender({ ...base, output: 'json', file: [examples] })) as {
      kind: string;
      items: unknown[];
    };
    const golden = parseAllDocuments(await readFile(fixturePath('golden/tutorial.yaml'), 'utf8'));
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(golden.map((d) => d.toJS()));
  });

  it('writes one file per object, and removes files of objects that are gone', async () => {
    const out = join(dir, 'objects');
    await runRender({ ...base, file: [examples], out });
    const files = (await readdir(out)).sort();
    expect(files[0]).toBe('00-namespace-istio-egress.yaml');
    expect(files.at(-1)).toBe(
      '39-authorizationpolicy-istio-egress-egress-team-y-to-httpbin-org.yaml',
    );
    expect(parse(await readFile(join(out, files[0]!), 'utf8'))).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'istio-egress' },
    });

    // Offboard team-y (state: absent): its files must not linger; files that are not ours stay.
    await writeFile(join(out, 'README.md'), 'kept\n');
    const teamY = await readFile(join(examples, 'team-y.yaml'), 'utf8');
    const absent = join(dir, 'team-y-absent.yaml');
    await writeFile(
      absent,
      teamY.replace('  environment: tutorial\n', '  environment: tutorial\n  state: absent\n'),
    );
    await runRender({
      ...base,
      file: [join(examples, 'environment.yaml'), join(examples, 'team-x.yaml'), absent],
      out,
    });
    const after = await readdir(out);
    expect(after).toContain('README.md');
    expect(after.filter((f) => f.includes('team-y'))).toEqual([]);
    expect(after.length).toBeGreaterThan(20);
  });

  it('writes one file per namespace with --layout namespace', async () => {
    const out = join(dir, 'namespaces');
    await runRender({ ...base, layout: 'namespace', file: [examples], out });
    expect((await readdir(out)).sort()).toEqual([
      '00-istio-egress.yaml',
      '01-istio-system.yaml',
      '02-kube-system.yaml',
      '03-team-x.yaml',
      '04-team-y.yaml',
    ]);
    const teamY = parseAllDocuments(await readFile(join(out, '04-team-y.yaml'), 'utf8')).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
    );
    expect(teamY[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'team-y' } });
    expect(teamY.slice(1).every((o) => o.metadata.namespace === 'team-y')).toBe(true);
  });

  it('reports invalid specs as a CliError naming file and field, exit code 1', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'apiVersion: egress.provisioner.dev/v1alpha1\nkind: Tenant\nmetadata: {name: team-q}\nspec:\n  environment: tutorial\n  egress: [{host: "Example.COM"}]\n',
    );
    const err = await runRender({ ...base, file: [join(examples, 'environment.yaml'), bad] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toMatch(/bad\.yaml#1: spec\.egress\[0\]\.host: /);
  });

  it('needs an Environment', async () => {
    await expect(runRender({ ...base, file: [join(examples, 'team-y.yaml')] })).rejects.toThrow(
      /^(no Environment|invalid input)/,
    );
  });

  it('parses its flags through commander: a bad -o is a usage error', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerRenderCommand(program);
    const written: string[] = [];
    const write = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    try {
      await program.parseAsync(['render', '-f', examples, '-o', 'json'], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    expect(JSON.parse(written.join(''))).toMatchObject({ kind: 'List' });
    const usage = await program
      .parseAsync(['render', '-f', examples, '-o', 'xml'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(usage).toBeInstanceOf(CommanderError);
    expect((usage as CommanderError).code).toBe('commander.invalidArgument');
  });
});
