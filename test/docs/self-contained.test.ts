/**
 * The repository explains itself: no file cites a document that is not in it, every
 * citation of a section of a document in docs/ names a heading of it, and every relative
 * markdown link resolves to a file of the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findBrokenMarkdownLinks,
  findBrokenSectionCitations,
  findMissingPaths,
  findOutsideCitations,
  formatOffence,
  headingAnchor,
  markdownHeadings,
} from './citations.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Verbatim third-party copies: their text is someone else's and is not scanned. Their SOURCE.md
 * and LICENSE files are the project's and are scanned (a public URL there is fine).
 */
const THIRD_PARTY_COPIES: readonly RegExp[] = [
  /^package-lock\.json$/,
  /^local\/kube\/schemas\/istio-crds\.yaml$/,
  /^test\/fixtures\/mesh\/istio-crds\.yaml$/,
  /^local\/gcp\/schemas\/[^/]+\.json$/,
  /^test\/fixtures\/plan\/schemas\/[^/]+\.json$/,
  /^test\/fixtures\/analysis\/netpol-truth\/(?!SOURCE|LICENSE).+/,
  /^test\/fixtures\/workflows\/corpus\/lb-[^/]+$/,
  /^test\/fixtures\/gcp-sim\/golden-shapes\.json$/,
];

/** Folders that are never the repository's own files (.gitignore's, and tools a build adds). */
const NOT_OURS = new Set([
  '.git',
  'node_modules',
  'dist',
  '.local',
  'coverage',
  '.terraform',
  '.tools',
]);

/**
 * The files of a tree without git (Cloud Build may check a source out without `.git`): every
 * file outside the folders above, skipping ignored logs and state files.
 */
function walkedFiles(): string[] {
  return (readdirSync(ROOT, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => !file.split('/').some((segment) => NOT_OURS.has(segment)))
    .filter((file) => !/(\.log|\.tfstate(\..*)?|(^|\/)\.env(\..*)?)$/.test(file));
}

/** Tracked files, plus new ones not ignored (the tree as a commit would hold it). */
function repositoryFiles(): string[] {
  const listed = existsSync(join(ROOT, '.git'))
    ? execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
        .split('\0')
        .filter(Boolean)
    : walkedFiles();
  const files = [...new Set(listed)];
  // A file moved or deleted in the working tree is still listed until the move is committed;
  // an untracked link to a folder (a linked node_modules) is listed as a file: neither is read.
  return files
    .filter((file) => existsSync(join(ROOT, file)) && lstatSync(join(ROOT, file)).isFile())
    .sort();
}

function isText(content: Buffer): boolean {
  return !content.subarray(0, 8_000).includes(0);
}

const files = repositoryFiles();
const known = new Set(files);
const exists = (path: string): boolean =>
  known.has(path) ||
  // A folder of the repository (a link may point at one).
  files.some((file) => file.startsWith(`${path}/`)) ||
  (existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory() && path !== '');

const texts = new Map<string, string>();
for (const file of files) {
  if (THIRD_PARTY_COPIES.some((pattern) => pattern.test(file))) continue;
  const content = readFileSync(join(ROOT, file));
  if (isText(content)) texts.set(file, content.toString('utf8'));
}

const headingsOf = (doc: string): string[] | undefined => {
  const text = texts.get(doc);
  return text === undefined ? undefined : markdownHeadings(text);
};

const isLinkChecked = (file: string) =>
  file.endsWith('.md') && (file.startsWith('docs/') || /(^|\/)README\.md$/.test(file));

describe('the repository is self-contained', () => {
  it('scans the tree (the listing works and holds the docs)', () => {
    expect(texts.size).toBeGreaterThan(100);
    expect(texts.has('docs/architecture.md')).toBe(true);
  });

  it('cites no document outside the repository', () => {
    const offences = [...texts].flatMap(([file, text]) => findOutsideCitations(file, text, exists));
    expect(offences.map(formatOffence)).toEqual([]);
  });

  it('cites only sections that exist in the docs', () => {
    const offences = [...texts].flatMap(([file, text]) =>
      findBrokenSectionCitations(file, text, headingsOf),
    );
    expect(offences.map(formatOffence)).toEqual([]);
  });

  it('links, in docs/ and the READMEs, only to files of the repository', () => {
    const offences = [...texts]
      .filter(([file]) => isLinkChecked(file))
      .flatMap(([file, text]) => findBrokenMarkdownLinks(file, text, exists, headingsOf));
    expect(offences.map(formatOffence)).toEqual([]);
  });
});

describe('the docs match the tree', () => {
  it('name, in docs/ and the READMEs, only paths that exist', () => {
    const roots = new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0] ?? ''));
    const offences = [...texts]
      .filter(([file]) => isLinkChecked(file))
      .flatMap(([file, text]) => findMissingPaths(file, text, roots, exists));
    expect(offences.map(formatOffence)).toEqual([]);
  });
});

describe('the checks catch what they are for', () => {
  const none = () => false;
  const privateDoc = ['DES', 'IGN.md'].join('');

  it('finds a private document, a climb out of the repository and the team folder', () => {
    const text = [
      `// See ${privateDoc} "Layout".`,
      'import { x } from "../shared/spec/index.js";',
      'Read ../../shared/notes.md first.',
      `the tutorial (${['shared', 'seed', 'x.txt'].join('/')})`,
      'fine: docs/architecture.md "Layout"',
    ].join('\n');
    const found = findOutsideCitations('cli/a.ts', text, none);
    expect(found.map((o) => o.line)).toEqual([1, 3, 4]);
    expect(found[0]?.why).toContain('is not in the repository');
    expect(found[1]?.why).toContain('leaves the repository');
  });

  it('finds, in markdown, a relative path that names no file of the repository', () => {
    const text = 'copied from `../shared`, see [x](../README.md) and ../README.md';
    const found = findOutsideCitations('docs/a.md', text, (p) => p === 'README.md');
    expect(found.map((o) => o.why)).toEqual(['../shared is not in the repository']);
  });

  it('accepts a private document name that is a file of the repository', () => {
    const found = findOutsideCitations(
      'README.md',
      `see docs/${privateDoc}`,
      (p) => p === `docs/${privateDoc}`,
    );
    expect(found).toEqual([]);
  });

  it('finds a section citation whose heading is missing, even wrapped in a comment', () => {
    // Built from pieces, so that this file does not cite a missing document itself.
    const [a, b] = ['a', 'b'].map((name) => ['docs', `${name}.md`].join('/'));
    const doc = '# Title\n\n## Run state\n\n```\n## Not a heading\n```\n';
    const headings = (name: string) => (name === a ? markdownHeadings(doc) : undefined);
    const text = [
      ` * (${a} "Run state") and ${a} "Not a heading",`,
      ` * ${a} "Run`,
      ` * state" and ${b} "Layout"`,
    ].join('\n');
    const found = findBrokenSectionCitations('x.ts', text, headings);
    expect(found.map((o) => [o.line, o.why])).toEqual([
      [1, `${a} has no heading "Not a heading"`],
      [3, `${b} is not in the repository`],
    ]);
  });

  it('finds a relative link that leaves the repository, is missing, or names no heading', () => {
    const files = new Set(['docs/a.md', 'README.md']);
    const md = [
      '[ok](a.md#run-state) [ok](../README.md) [web](https://example.com/x.md)',
      '[gone](missing.md) [out](../../elsewhere.md) [anchor](a.md#nowhere)',
      '`[code](not-a-link.md)`',
      '```',
      '[in a fence](missing.md)',
      '```',
    ].join('\n');
    const found = findBrokenMarkdownLinks(
      'docs/b.md',
      md,
      (p) => files.has(p),
      (p) => (p === 'docs/a.md' ? ['Run state'] : undefined),
    );
    expect(found.map((o) => o.text)).toEqual([
      '[gone](missing.md)',
      '[out](../../elsewhere.md)',
      '[anchor](a.md#nowhere)',
    ]);
  });

  it('finds a path in inline code that is not in the repository, placeholders aside', () => {
    const md = [
      '`shared/plan/graph.ts`, `shared/gone.ts`, `test/AREA`, `workflows/<name>.yaml`',
      '`local/`, `npm test`, `https://example.com/x`',
      '```',
      '`shared/in-a-fence.ts`',
      '```',
    ].join('\n');
    const roots = new Set(['shared', 'test', 'workflows', 'local']);
    const present = new Set(['shared/plan/graph.ts', 'local']);
    const found = findMissingPaths('README.md', md, roots, (p) => present.has(p));
    expect(found.map((o) => o.text)).toEqual(['`shared/gone.ts`']);
  });

  it("derives GitHub's heading anchors", () => {
    expect(headingAnchor('Official Google clients against a local HTTP server')).toBe(
      'official-google-clients-against-a-local-http-server',
    );
    expect(headingAnchor('The gcloud CLI, against `local`!')).toBe('the-gcloud-cli-against-local');
  });
});
